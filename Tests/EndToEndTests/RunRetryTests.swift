import Foundation
import JSON
import Testing

/// A run's life end to end: the real binary against `batchctl serve`, where a ParameterObject `fail: "true"` fails a
/// job and `serve --jobs` leaves other jobs New. Retries are counted, a kill between attempts starts none twice, a
/// stuck run is stopped at its timeout, and repeated failures pause a schedule.
@Suite(.serialized) struct RunRetryTests {
    /// A project of one set, `jobs`, with the given task entries under `tasks:`.
    private func project(_ tasks: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks,
        ])
    }

    /// The state entry of `address`.
    private func entry(_ directory: TemporaryDirectory, _ address: String) throws -> JSONValue? {
        try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))["tasks"]?[address]
    }

    /// The server's tasks named `name`, in id order.
    private func serverTasks(named name: String, _ server: EmulatorProcess) async throws -> [JSONValue] {
        try await RawHTTP(server).allTasks().filter { $0["Name"]?.stringValue == name }
    }

    private static let failing = """
          - key: import
            Name: Import
            ParameterObject: {fail: "true"}

        """

    @Test func aFailingRunFollowedWithWaitIsTriedExactlyLimitMoreTimes() async throws {
        let directory = try project(Self.failing + "    run: {retry: {limit: 2, backoff: 1s, factor: 1}}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 1, "the run failed with its retries spent: \(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("retry 1/2") && apply.stdout.contains("retry 2/2"), "\(apply.stdout)")
        #expect(apply.stdout.contains("failed with its 2 retries spent"), "\(apply.stdout)")
        #expect(try await serverTasks(named: "Import", server).count == 3, "the first run and two retries")
        let settled = try #require(try entry(directory, "jobs/import"))
        #expect(settled["attempt"]?.intValue == 3)
        #expect(settled["outcome"]?.stringValue == "failed")
        #expect(settled["failures"]?.intValue == 1)
        #expect(settled["retryAt"] == nil)
        #expect(settled["history"]?.arrayValue?.compactMap { $0["attempt"]?.intValue ?? 1 } == [1, 2])

        // Settled once: another look starts nothing and counts nothing.
        let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: server.environment)
        #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
        #expect(try await serverTasks(named: "Import", server).count == 3)
        #expect(try entry(directory, "jobs/import")?["failures"]?.intValue == 1)
    }

    @Test func withoutWaitRunDueSettlesEachAttemptAndStartsTheRetryWhoseBackoffPassed() async throws {
        let directory = try project(Self.failing + "    run: {retry: {limit: 2, backoff: 1s, factor: 1}}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        var outputs = ""
        // Each round settles the attempt before it (which failed at once), then, once its backoff passed, starts the next.
        for _ in 0..<8 {
            let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: server.environment)
            #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
            outputs += due.stdout
            try await Task.sleep(for: .milliseconds(1100))
        }
        #expect(try await serverTasks(named: "Import", server).count == 3, "exactly two retries: \(outputs)")
        #expect(outputs.contains("retry 1/2 after a failed run") && outputs.contains("retry 2/2 after a failed run"), "\(outputs)")
        let settled = try #require(try entry(directory, "jobs/import"))
        #expect(settled["attempt"]?.intValue == 3)
        #expect(settled["outcome"]?.stringValue == "failed")
        #expect(settled["failures"]?.intValue == 1)
        let show = try JSONValue.parse(BinaryRunner.run(["state", "show", "jobs/import"], in: directory.path).stdout)
        #expect(show["runs"]?.arrayValue?.compactMap { $0["outcome"]?.stringValue } == ["failed", "failed", "failed"])
        #expect(show["runs"]?.arrayValue?.first?["attempt"]?.intValue == 3)
    }

    @Test func aKillBetweenAttemptsStartsNoneTwice() async throws {
        // A backoff of an hour, and a clock (`BATCHCTL_NOW`) moved past it: how long the machine takes between the
        // steps cannot make the retry due early.
        let directory = try project(Self.failing + "    run: {retry: {limit: 1, backoff: 1h}}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        // Killed in the backoff after its first attempt failed and was settled: saved, as --wait holds no lock
        // while it waits.
        let killed = try BinaryRunner.start(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        let stateFile = directory.path + "/batchctl.state.json"
        let settledInJournal = BinaryRunner.waitUntil(timeout: 30) {
            ((try? String(contentsOfFile: stateFile, encoding: .utf8)) ?? "").contains("\"outcome\": \"failed\"")
        }
        #expect(settledInJournal, "the first attempt was settled")
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        #expect(killed.terminationReason == .uncaughtSignal, "apply finished before it could be killed")
        #expect(try await serverTasks(named: "Import", server).count == 1)
        let retryAt = try #require(try entry(directory, "jobs/import")?["retryAt"]?.stringValue.flatMap(Self.date))

        // Before the backoff has passed nothing starts; after it, the one retry does, once.
        let early = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: server.environment)
        #expect(early.status == 0, "\(early.stdout)\(early.stderr)")
        #expect(try await serverTasks(named: "Import", server).count == 1, "\(early.stdout)")
        let later = server.environment.merging(["BATCHCTL_NOW": Self.text(retryAt.addingTimeInterval(60))]) { $1 }
        for _ in 0..<3 {
            let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: later)
            #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
        }
        #expect(try await serverTasks(named: "Import", server).count == 2)
        let settled = try #require(try entry(directory, "jobs/import"))
        #expect(settled["attempt"]?.intValue == 2)
        #expect(settled["failures"]?.intValue == 1)
    }

    private static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }
    private static func text(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    @Test func aStuckRunIsStoppedAtItsTimeout() async throws {
        let directory = try project("""
              - key: stuck
                Name: Stuck
                run: {timeout: 1s}

            """)
        // Only jobs named Other run: Stuck stays New.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0", "--jobs", "Other"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 1, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("timeout of 1s") && apply.stdout.contains("it was stopped"), "\(apply.stdout)")
        let first = try #require(try await serverTasks(named: "Stuck", server).first)
        #expect(first["State"]?.stringValue == "Failed", "stopped: \(first)")
        #expect(try entry(directory, "jobs/stuck")?["outcome"]?.stringValue == "timedOut")

        // Without --wait, the next look after the timeout stops it.
        let again = try BinaryRunner.run(["run", "jobs/stuck"], in: directory.path, environment: server.environment)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        try await Task.sleep(for: .milliseconds(1200))
        let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: server.environment)
        #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
        #expect(due.stdout.contains("it was stopped"), "\(due.stdout)")
        let runs = try await serverTasks(named: "Stuck", server)
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0["State"]?.stringValue == "Failed" }, "\(runs)")
        #expect(try entry(directory, "jobs/stuck")?["outcome"]?.stringValue == "timedOut")
    }

    @Test func twoFailuresPauseASchedule() async throws {
        let directory = try project("""
              - key: nightly
                Name: Nightly
                ParameterObject: {fail: "true"}
                run: {when: schedule, schedule: "0 2 * * *", timeZone: UTC, pauseAfterFailures: 2}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }
        func run(_ arguments: [String], at time: String) throws -> BinaryRunner.Outcome {
            let outcome = try BinaryRunner.run(arguments, in: directory.path, environment: at(time))
            #expect(outcome.status == 0, "\(arguments) at \(time): \(outcome.stdout)\(outcome.stderr)")
            return outcome
        }
        _ = try run(["apply", "--auto-approve"], at: "2026-12-01T12:00:00Z")
        // Each night's run starts when due and is settled (failed) by the next look.
        _ = try run(["run", "--due"], at: "2026-12-02T02:01:00Z")
        _ = try run(["run", "--due"], at: "2026-12-02T02:02:00Z")
        #expect(try entry(directory, "jobs/nightly")?["failures"]?.intValue == 1)
        _ = try run(["run", "--due"], at: "2026-12-03T02:01:00Z")
        let paused = try run(["run", "--due"], at: "2026-12-03T02:02:00Z")
        #expect(paused.stdout.contains("paused after 2 failed runs"), "\(paused.stdout)")
        let suspension = try #require(try entry(directory, "jobs/nightly")?["suspended"])
        #expect(suspension["by"]?.stringValue == "batchctl")
        #expect(suspension["afterFailures"] == .bool(true))

        // Paused: the next nights start nothing.
        _ = try run(["run", "--due"], at: "2026-12-04T02:01:00Z")
        _ = try run(["run", "--due"], at: "2026-12-05T02:01:00Z")
        #expect(try await serverTasks(named: "Nightly", server).count == 2)
        let listing = try run(["schedule"], at: "2026-12-05T02:01:00Z")
        #expect(listing.stdout.contains("@ suspended") && listing.stdout.contains("paused after 2 failed runs"), "\(listing.stdout)")
        let plan = try run(["plan"], at: "2026-12-05T02:01:00Z")
        #expect(plan.stdout.contains("@ suspended"), "\(plan.stdout)")
        let status = try run(["status"], at: "2026-12-05T02:01:00Z")
        #expect(status.stdout.contains("@ suspended by batchctl") && status.stdout.contains("2 failed runs in a row"), "\(status.stdout)")
        // Asked for by name, it runs all the same, and says it is suspended.
        let asked = try run(["run", "jobs/nightly"], at: "2026-12-05T02:02:00Z")
        #expect(asked.stdout.contains("it is suspended (paused after 2 failed runs"), "\(asked.stdout)")
        #expect(try await serverTasks(named: "Nightly", server).count == 3)

        // Resumed: the pause and the count are gone, and a later night runs again. (The run by hand above was
        // recorded at the real time, so the night after it is one after today.)
        _ = try run(["run", "--due"], at: "2026-12-05T02:03:00Z")
        _ = try run(["schedule", "resume", "jobs/nightly"], at: "2026-12-05T09:00:00Z")
        #expect(try entry(directory, "jobs/nightly")?["suspended"] == nil)
        #expect(try entry(directory, "jobs/nightly")?["failures"] == nil, "the count starts again from 0")
        let next = try run(["run", "--due"], at: "2030-01-01T02:01:00Z")
        #expect(try await serverTasks(named: "Nightly", server).count == 4, "\(next.stdout)")
    }

    @Test func suspendInTheManifestStartsNothingUntilItIsRemoved() async throws {
        let suspended = """
              - key: nightly
                Name: Nightly
                run: {when: schedule, schedule: "0 2 * * *", timeZone: UTC, suspend: true}

            """
        let directory = try project(suspended)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func run(_ arguments: [String], at time: String) throws -> BinaryRunner.Outcome {
            let outcome = try BinaryRunner.run(arguments, in: directory.path, environment: server.environment.merging(["BATCHCTL_NOW": time]) { $1 })
            #expect(outcome.status == 0, "\(arguments) at \(time): \(outcome.stdout)\(outcome.stderr)")
            return outcome
        }
        _ = try run(["apply", "--auto-approve"], at: "2026-12-01T12:00:00Z")
        _ = try run(["run", "--due"], at: "2026-12-02T02:01:00Z")
        let due = try run(["run", "--due"], at: "2026-12-03T02:01:00Z")
        #expect(due.stdout.contains("No runs are due.") && !due.stdout.contains("Next: jobs/nightly"), "\(due.stdout)")
        #expect(try await serverTasks(named: "Nightly", server).isEmpty, "suspended in the manifest: nothing starts")
        let plan = try run(["plan"], at: "2026-12-03T02:02:00Z")
        #expect(plan.stdout.contains("@ suspended"), "\(plan.stdout)")

        // The line removed from the manifest: the next slot runs.
        try String(contentsOfFile: directory.path + "/sets/jobs.yaml", encoding: .utf8)
            .replacingOccurrences(of: ", suspend: true", with: "")
            .write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        _ = try run(["run", "--due"], at: "2026-12-04T02:01:00Z")
        #expect(try await serverTasks(named: "Nightly", server).count == 1)
    }
}

extension RunRetryTests {
    @Test func aScheduleShowsTheRetryToComeAndItsNextSlotStartsAFreshCount() async throws {
        let directory = try project("""
              - key: nightly
                Name: Nightly
                ParameterObject: {fail: "true"}
                run: {when: schedule, schedule: "0 2 * * *", timeZone: UTC, retry: {limit: 1, backoff: 1h}}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func run(_ arguments: [String], at time: String) throws -> BinaryRunner.Outcome {
            let outcome = try BinaryRunner.run(arguments, in: directory.path, environment: server.environment.merging(["BATCHCTL_NOW": time]) { $1 })
            #expect(outcome.status == 0, "\(arguments) at \(time): \(outcome.stdout)\(outcome.stderr)")
            return outcome
        }
        _ = try run(["apply", "--auto-approve"], at: "2026-12-01T12:00:00Z")
        _ = try run(["run", "--due"], at: "2026-12-02T02:01:00Z")
        let settled = try run(["run", "--due"], at: "2026-12-02T02:02:00Z")
        #expect(settled.stdout.contains("retry 1/1 is due at"), "\(settled.stdout)")
        let listing = try run(["schedule"], at: "2026-12-02T02:03:00Z")
        #expect(listing.stdout.contains("retry 1/1 at"), "\(listing.stdout)")
        let json = try JSONValue.parse(try run(["schedule", "-o", "json"], at: "2026-12-02T02:03:00Z").stdout)
        let retry = json["schedules"]?.arrayValue?.first?["retry"]
        #expect(retry?["attempt"]?.intValue == 2 && retry?["limit"]?.intValue == 1, "\(json)")

        // The next night's slot wins over the retry still waiting for its backoff: attempt 1 of a new slot.
        let next = try run(["run", "--due"], at: "2026-12-03T02:01:00Z")
        #expect(next.stdout.contains("due at"), "\(next.stdout)")
        let entry = try #require(try entry(directory, "jobs/nightly"))
        #expect(entry["slot"]?.stringValue == "2026-12-03T02:00:00Z")
        #expect(entry["attempt"] == nil, "attempt 1 is not written")
        #expect(try await serverTasks(named: "Nightly", server).count == 2)
    }
}

extension RunRetryTests {
    @Test func theControllerSettlesEachAttemptAndStartsTheRetryWhenDue() async throws {
        let directory = try project(Self.failing + "    run: {retry: {limit: 1, backoff: 1s}}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--jitter", "0"], environment: server.environment)
        let spent = BinaryRunner.waitUntil(timeout: 40) {
            ((try? entry(directory, "jobs/import"))??["failures"]?.intValue ?? 0) >= 1
        }
        #expect(spent, "\(controller.log)")
        // Cycles after the failure was counted start nothing more.
        _ = await controller.waitForStatus(timeout: 20) { ControllerProcess.cycle($0) >= 3 }
        #expect(await controller.stop()?.status == 0)
        #expect(try await serverTasks(named: "Import", server).count == 2, "the first run and its one retry")
        let settled = try #require(try entry(directory, "jobs/import"))
        #expect(settled["attempt"]?.intValue == 2)
        #expect(settled["outcome"]?.stringValue == "failed")
    }
}
