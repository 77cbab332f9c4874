import Foundation
import JSON
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs that follow each other, end to end: the real binary against `batchctl serve`, where `--job-duration` sets
/// how long a job runs and a ParameterObject `fail: "true"` fails it. A task that depends on another is held as a
/// pending run while that one runs, started by a later pass once it Succeeded, and skipped once it Failed; no
/// command waits for a job to do so.
@Suite(.serialized) struct PendingRunTests {
    /// A project of one set, `dag`, with the given task entries under `tasks:`.
    private func project(_ tasks: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/dag.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: dag}\ntasks:\n" + tasks,
        ])
    }

    /// `a` and `b` (dependsOn [a]), both due at 01:00 UTC every night; `a` fails when `failing`.
    private func nightly(failing: Bool = false) throws -> TemporaryDirectory {
        try project("""
              - key: a
                Name: Night A
            \(failing ? "    ParameterObject: {fail: \"true\"}\n" : "")    run: {when: schedule, schedule: "0 1 * * *", timeZone: UTC}
              - key: b
                Name: Night B
                dependsOn: [a]
                run: {when: schedule, schedule: "0 1 * * *", timeZone: UTC}

            """)
    }

    private func state(_ directory: TemporaryDirectory) throws -> JSONValue {
        try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
    }

    private func serverTasks(named name: String, _ server: EmulatorProcess) async throws -> [JSONValue] {
        try await RawHTTP(server).allTasks().filter { $0["Name"]?.stringValue == name }
    }

    /// Runs batchctl in `directory` with the schedules' clock at `time`; the exit status is expected to be 0.
    private func run(_ arguments: [String], at time: String, _ directory: TemporaryDirectory,
                     _ server: EmulatorProcess) throws -> BinaryRunner.Outcome {
        let outcome = try BinaryRunner.run(arguments, in: directory.path,
                                           environment: server.environment.merging(["BATCHCTL_NOW": time]) { $1 })
        #expect(outcome.status == 0, "\(arguments) at \(time): \(outcome.stdout)\(outcome.stderr)")
        return outcome
    }

    @Test func runDueStartsADependencyLeavesItsDependentPendingAndALaterRunDueStartsIt() async throws {
        let directory = try nightly()
        // a's job runs 30 seconds: long enough for the looks below, even on a busy machine.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "30"])
        defer { server.stop() }
        _ = try run(["apply", "--auto-approve"], at: "2030-01-01T00:30:00Z", directory, server)

        let started = Date()
        let first = try run(["run", "--due"], at: "2030-01-01T01:01:00Z", directory, server)
        #expect(Date().timeIntervalSince(started) < 30, "run --due returns without waiting for the job")
        #expect(first.stdout.contains("dag/b pending: waits for dag/a"), "\(first.stdout)")
        #expect(first.stdout.contains("Still pending: dag/b."), "\(first.stdout)")
        #expect(try await serverTasks(named: "Night A", server).count == 1)
        #expect(try await serverTasks(named: "Night B", server).isEmpty, "b waits for a")
        let pending = try #require(try state(directory)["pending"]?["dag/b"]?.arrayValue)
        #expect(pending.count == 1)
        #expect(pending.first?["slot"]?.stringValue == "2030-01-01T01:00:00Z")
        #expect(pending.first?["waitsFor"] == .array([.string("dag/a")]))

        // The schedule, status and plan show the pending run; they start nothing.
        let listing = try run(["schedule"], at: "2030-01-01T01:02:00Z", directory, server)
        #expect(listing.stdout.contains("pending since") && listing.stdout.contains("waits for dag/a"), "\(listing.stdout)")
        let status = try run(["status"], at: "2030-01-01T01:02:00Z", directory, server)
        #expect(status.stdout.contains("pending since") && status.stdout.contains("waits for dag/a"), "\(status.stdout)")
        let plan = try run(["plan"], at: "2030-01-01T01:02:00Z", directory, server)
        #expect(plan.stdout.contains("Pending runs") && plan.stdout.contains("No changes."), "\(plan.stdout)")
        // While a runs, another run --due leaves b pending (judged only while a's 30 seconds surely last).
        let waiting = try run(["run", "--due"], at: "2030-01-01T01:02:00Z", directory, server)
        if Date().timeIntervalSince(started) < 25 {
            #expect(waiting.stdout.contains("Still pending: dag/b."), "\(waiting.stdout)")
            #expect(try await serverTasks(named: "Night B", server).isEmpty)
        }

        var outputs = ""
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, try await serverTasks(named: "Night B", server).isEmpty {
            await OffPool.pause(1)
            outputs += try run(["run", "--due"], at: "2030-01-01T01:03:00Z", directory, server).stdout
        }
        let a = try await serverTasks(named: "Night A", server)
        #expect(a.first?["State"]?.stringValue == "Succeeded", "b starts once a Succeeded: \(outputs)")
        #expect(try await serverTasks(named: "Night B", server).count == 1, "\(outputs)")
        #expect(a.count == 1)
        #expect(try state(directory)["pending"] == nil, "nothing is pending any more")
        #expect(try state(directory)["tasks"]?["dag/b"]?["slot"]?.stringValue == "2030-01-01T01:00:00Z", "b's run is for a's slot")

        // Done with the night: another look starts nothing.
        _ = try run(["run", "--due"], at: "2030-01-01T01:04:00Z", directory, server)
        #expect(try await serverTasks(named: "Night B", server).count == 1)
    }

    @Test func aDependentIsSkippedAndReportedWhenWhatItWaitsForFailed() async throws {
        let directory = try nightly(failing: true)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        _ = try run(["apply", "--auto-approve"], at: "2030-01-01T00:30:00Z", directory, server)
        let first = try run(["run", "--due"], at: "2030-01-01T01:01:00Z", directory, server)
        #expect(first.stdout.contains("dag/b pending"), "\(first.stdout)")

        let second = try run(["run", "--due"], at: "2030-01-01T01:02:00Z", directory, server)
        #expect(second.stdout.contains("skipped run dag/b: dag/a Failed"), "\(second.stdout)")
        #expect(try await serverTasks(named: "Night B", server).isEmpty, "b never starts for a failed night")
        let after = try state(directory)
        #expect(after["pending"] == nil)
        #expect(after["scheduled"]?["dag/b"]?.stringValue == "2030-01-01T01:00:00Z", "the slot is done with")

        // The same night starts nothing again; the next night holds b again.
        _ = try run(["run", "--due"], at: "2030-01-01T01:03:00Z", directory, server)
        #expect(try await serverTasks(named: "Night A", server).count == 1)
        let next = try run(["run", "--due"], at: "2030-01-02T01:01:00Z", directory, server)
        #expect(next.stdout.contains("dag/b pending"), "\(next.stdout)")
        #expect(try await serverTasks(named: "Night A", server).count == 2)
        #expect(try await serverTasks(named: "Night B", server).isEmpty)
    }

    @Test func aPendingRunPastItsStartingDeadlineIsDroppedAndReported() async throws {
        let directory = try project("""
              - key: a
                Name: Stuck A
                run: {when: schedule, schedule: "0 1 * * *", timeZone: UTC}
              - key: b
                Name: Late B
                dependsOn: [a]
                run: {when: schedule, schedule: "0 1 * * *", timeZone: UTC, startingDeadline: 1h}

            """)
        // Only jobs named Other run: a stays New, so b waits until its deadline.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0", "--jobs", "Other"])
        defer { server.stop() }
        _ = try run(["apply", "--auto-approve"], at: "2030-01-01T00:30:00Z", directory, server)
        _ = try run(["run", "--due"], at: "2030-01-01T01:01:00Z", directory, server)
        let within = try run(["run", "--due"], at: "2030-01-01T01:59:00Z", directory, server)
        #expect(within.stdout.contains("Still pending: dag/b."), "\(within.stdout)")
        let late = try run(["run", "--due"], at: "2030-01-01T02:01:00Z", directory, server)
        #expect(late.stdout.contains("skipped run dag/b: pending since 2030-01-01T01:01:00Z, past its startingDeadline 1h"), "\(late.stdout)")
        #expect(try state(directory)["pending"] == nil)
        #expect(try await serverTasks(named: "Late B", server).isEmpty)
    }

    @Test func aControllerCreatesADependentOnlyAfterWhatItDependsOnSucceeded() async throws {
        let directory = try project("""
              - {key: a, Name: Chain A}
              - {key: b, Name: Chain B, dependsOn: [a]}

            """)
        // a's job takes 20 s: long enough that b is still pending when the loaded test reads the status and the page.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "20"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s"], environment: server.environment)
        defer { _ = controller.stopNow(signal: SIGKILL, timeout: 5) }

        // While a runs, the controller's status lists b as pending.
        let listed = await controller.waitForStatus(timeout: 20) { status in
            status["pending"]?.arrayValue?.contains { $0["address"]?.stringValue == "dag/b" } == true
        }
        let pending = listed?["pending"]?.arrayValue?.first
        #expect(pending?["waitsFor"] == .array([.string("dag/a")]), "\(controller.log)")
        #expect(pending?["slot"] == .null && pending?["start"]?.stringValue == "create")
        #expect(ControllerProcess.set(listed, "dag")?["sync"]?.stringValue == "OutOfSync", "b is still to create")
        let page = await controller.get("/")
        #expect(page?.body.contains("Pending runs") == true)

        var aStateWhenBAppeared: String?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let tasks = try await RawHTTP(server).allTasks()
            if tasks.contains(where: { $0["Name"]?.stringValue == "Chain B" }) {
                aStateWhenBAppeared = tasks.first { $0["Name"]?.stringValue == "Chain A" }?["State"]?.stringValue
                break
            }
            await OffPool.pause(0.2)
        }
        #expect(aStateWhenBAppeared == "Succeeded", "b is created once a Succeeded: \(controller.log)")
        #expect(try await serverTasks(named: "Chain A", server).count == 1)
        #expect(try await serverTasks(named: "Chain B", server).count == 1)
    }

    @Test func aKillWhileRunsArePendingLosesNothingAndStartsNothingTwice() async throws {
        let directory = try project("""
              - {key: a, Name: Killed A}
              - {key: b, Name: Killed B, dependsOn: [a]}
              - {key: c, Name: Killed C, dependsOn: [b]}

            """)
        // Each job takes 20 s, so the kill comes while a runs however loaded the machine is.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "20"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s"], environment: server.environment)
        // Killed while b and c are pending (a runs, created and recorded).
        let statePath = directory.path + "/batchctl.state.json"
        let journalPath = statePath + ".journal"
        let pendingSeen = BinaryRunner.waitUntil(timeout: 30) {
            let text = ((try? String(contentsOfFile: statePath, encoding: .utf8)) ?? "")
                + ((try? String(contentsOfFile: journalPath, encoding: .utf8)) ?? "")
            return text.contains("\"waitsFor\"") && text.contains("Killed A")
        }
        #expect(pendingSeen, "b and c were held: \(controller.log)")
        _ = controller.stopNow(signal: SIGKILL, timeout: 5)
        #expect(try await serverTasks(named: "Killed B", server).isEmpty, "b waits for a")

        // Each pass starts what is ready; a, b and c each run once.
        var outputs = ""
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline, try await serverTasks(named: "Killed C", server).isEmpty {
            let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: server.environment)
            #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
            outputs += due.stdout
            await OffPool.pause(1)
        }
        for name in ["Killed A", "Killed B", "Killed C"] {
            #expect(try await serverTasks(named: name, server).count == 1, "\(name) once: \(outputs)")
        }
        let after = try JSONValue.parse(String(contentsOfFile: statePath, encoding: .utf8))
        #expect(after["pending"] == nil, "\(outputs)")
        #expect(after["tasks"]?.objectValue?.keys.sorted() == ["dag/a", "dag/b", "dag/c"])
    }
}
