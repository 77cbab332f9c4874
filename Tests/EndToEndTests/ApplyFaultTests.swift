import Foundation
import JSON
import Testing

/// Apply under injected faults and kills: the server ends with exactly the tasks the manifests ask for, no duplicate,
/// and the state holds every id.
@Suite(.serialized) struct ApplyFaultTests {
    /// Checks that the server and the state agree on exactly `count` tasks, one per address.
    private func expectExactly(_ count: Int, directory: TemporaryDirectory, server: EmulatorProcess) async throws {
        let tasks = try await RawHTTP(server).allTasks()
        let names = tasks.compactMap { $0["Name"]?.stringValue }
        #expect(tasks.count == count, "the server holds \(tasks.count) tasks")
        #expect(Set(names).count == count, "every task is there once: \(names.count - Set(names).count) duplicates")
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let entries = state["tasks"]?.objectValue ?? [:]
        #expect(entries.count == count)
        let ids = Set(entries.values.compactMap { $0["id"]?.intValue })
        let serverIDs = Set(tasks.compactMap { $0["Id"]?.intValue })
        #expect(ids == serverIDs, "the state's ids are the server's")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.journal"))
    }

    /// In a server zone of its own (api.md v3: dates come back as its wall time), with ParameterObjects the server
    /// links through DetailsTable/DetailsRecord, and a Created date on half of the runs.
    @Test(arguments: [(false, "US-NY", nil), (true, "NO", "2026-03-29T02:30:00+02:00")])
    func lostAnswersAndServerErrorsNeverDuplicate(systemTasks: Bool, baseZone: String, created: String?) async throws {
        let directory = try ReconcileTests.project(tasks: 300, systemTasks: systemTasks, created: created)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: [
            "--lost-answer-rate", "0.3", "--error-rate", "0.1", "--seed", "7", "--job-duration", "0", "--base-time-zone", baseZone,
        ])
        defer { server.stop() }
        var last = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "16"], in: directory.path, environment: server.environment)
        var runs = 1
        while last.status != 0 && runs < 3 {
            last = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "16"], in: directory.path, environment: server.environment)
            runs += 1
        }
        #expect(last.status == 0, "apply still failing after \(runs) runs: \(last.stderr.suffix(2000))")
        try await expectExactly(300, directory: directory, server: server)
        // The refresh reads every task through the same faults: one GET in a few hundred can fail all ten of its
        // attempts, so plan gets the same allowance as apply, and only for that error.
        var plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        for _ in 1...2 where plan.status == 1 && plan.stderr.contains("cannot reach the API") {
            plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        }
        #expect(plan.status == 0, "\(plan.stdout.suffix(1000))\(plan.stderr.suffix(1000))")
    }

    @Test(arguments: [(false, "US-NY", "2026-11-01T01:30:00-04:00"), (true, "NO", nil)])
    func killedTwiceMidApplyThenFinished(systemTasks: Bool, baseZone: String, created: String?) async throws {
        let directory = try ReconcileTests.project(tasks: 2000, systemTasks: systemTasks, created: created)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: [
            "--latency", "25", "--job-duration", "0", "--base-time-zone", baseZone,
        ])
        defer { server.stop() }
        let journal = directory.path + "/batchctl.state.json.journal"
        for round in 1...2 {
            // At most 4 requests of 25 ms at once: a run takes twenty seconds or more, so the kill lands mid-run.
            let process = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "4"], in: directory.path,
                                                 environment: server.environment)
            // Kill once the run is well under way: the journal has grown past a few hundred records.
            try await BinaryRunner.waitForFile(journal, largerThan: 40_000 * round)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): apply finished before it could be killed")
            #expect(FileManager.default.fileExists(atPath: journal), "round \(round): the killed run left its journal")
        }
        let finish = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path, environment: server.environment)
        #expect(finish.status == 0, "\(finish.stderr.suffix(2000))")
        #expect(finish.stderr.contains("recovered the interrupted run's journal"))
        try await expectExactly(2000, directory: directory, server: server)
    }

    @Test func aSecondApplyFailsAtOnceNamingTheHolder() async throws {
        let directory = try ReconcileTests.project(tasks: 400)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--latency", "20"])
        defer { server.stop() }
        let first = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "2"], in: directory.path,
                                           environment: server.environment)
        defer {
            if first.isRunning { first.interrupt() }
            first.waitUntilExit()
        }
        let lock = directory.path + "/batchctl.state.json.lock"
        BinaryRunner.waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: lock) }
        let started = Date()
        let second = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(Date().timeIntervalSince(started) < 20, "the second apply waited instead of failing at once")
        #expect(second.status == 1)
        #expect(second.stderr.contains("pid \(first.processIdentifier)"), "\(second.stderr)")
        #expect(second.stderr.contains(ProcessInfo.processInfo.hostName))
        let info = try JSONValue.parse(String(contentsOfFile: lock, encoding: .utf8))
        let lockID = try #require(info["id"]?.stringValue)
        #expect(second.stderr.contains(lockID))
    }
}
