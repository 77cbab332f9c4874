import Foundation
import JSON
import Testing

/// Runs end to end: the real binary against `batchctl serve`, with jobs that take time (`--job-duration`), a real
/// state file, kills, and a fake clock (`BATCHCTL_NOW`) for schedules.
@Suite(.serialized) struct RunTests {
    /// A project of one set, `jobs`, with the given task entries under `tasks:`.
    private func project(_ tasks: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks,
        ])
    }

    private func state(_ directory: TemporaryDirectory) throws -> JSONValue {
        try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
    }

    /// The ids of the current run and the history of `address`, oldest first.
    private func runIDs(_ directory: TemporaryDirectory, _ address: String) throws -> (current: Int64?, history: [Int64]) {
        let entry = try state(directory)["tasks"]?[address]
        return (entry?["id"]?.intValue, entry?["history"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? [])
    }

    /// The ids of the server's tasks named `name`.
    private func serverIDs(named name: String, _ server: EmulatorProcess) async throws -> [Int64] {
        try await RawHTTP(server).allTasks().filter { $0["Name"]?.stringValue == name }.compactMap { $0["Id"]?.intValue }
    }

    @Test func runTwiceKeepsTheHistoryAndTrimsItToTheLimit() async throws {
        let directory = try project("  - key: import\n    Name: Import\n    run: {history: 1}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let first = try #require(try runIDs(directory, "jobs/import").current)

        let second = try BinaryRunner.run(["run", "jobs/import", "--wait"], in: directory.path, environment: server.environment)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("> jobs/import (after run \(first))"), "\(second.stdout)")
        let afterSecond = try runIDs(directory, "jobs/import")
        #expect(afterSecond.history == [first])
        #expect(try await serverIDs(named: "Import", server).count == 2)

        let third = try BinaryRunner.run(["run", "jobs/import", "--wait"], in: directory.path, environment: server.environment)
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        #expect(third.stderr.contains("deleted 1 old run"), "\(third.stderr)")
        let afterThird = try runIDs(directory, "jobs/import")
        let secondID = try #require(afterSecond.current)
        #expect(afterThird.history == [secondID], "one finished run kept, the oldest deleted")
        let onServer = try await serverIDs(named: "Import", server)
        #expect(Set(onServer) == Set([secondID, try #require(afterThird.current)]), "the first run is gone from the server")

        // The state lists the runs; drift compares the current run only, and a plan sees nothing to do.
        let show = try BinaryRunner.run(["state", "show", "jobs/import"], in: directory.path)
        let runs = try JSONValue.parse(show.stdout)["runs"]?.arrayValue ?? []
        #expect(runs.count == 2)
        #expect(runs.first?["current"] == .bool(true))
        #expect(runs.last?["state"]?.stringValue == "Succeeded")
        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(drift.status == 0, "\(drift.stdout)")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stdout)")
        let status = try BinaryRunner.run(["status"], in: directory.path, environment: server.environment)
        #expect(status.stdout.contains("EARLIER RUNS") && status.stdout.contains("Succeeded"), "\(status.stdout)")

        // Destroying the task deletes its history with it.
        let destroy = try BinaryRunner.run(["destroy", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(destroy.status == 0, "\(destroy.stderr)")
        #expect(try await serverIDs(named: "Import", server).isEmpty, "no run of the task is left on the server")
    }

    @Test func aRunFollowedWithWaitLeavesTheStateToOtherCommandsWhileItsJobRuns() async throws {
        let directory = try project("  - key: import\n    Name: Import\n  - key: other\n    Name: Other\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "6"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let first = try #require(try runIDs(directory, "jobs/import").current)

        let log = directory.path + "/wait.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        let waiting = try BinaryRunner.start(["run", "jobs/import", "--wait"], in: directory.path, environment: server.environment, log: handle)
        // The new run is saved when the first pass ends; the job then runs for 6 seconds.
        let started = BinaryRunner.waitUntil(timeout: 30) { ((try? runIDs(directory, "jobs/import"))?.history ?? []) == [first] }
        #expect(started, "the run was started and saved")

        // Commands that need the state's lock (default --lock-timeout 0: refused at once when held) go through.
        let begin = Date()
        let suspend = try BinaryRunner.run(["schedule", "suspend", "jobs/other", "--reason", "maintenance"], in: directory.path,
                                           environment: server.environment)
        #expect(suspend.status == 0, "\(suspend.stdout)\(suspend.stderr)")
        let again = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(Date().timeIntervalSince(begin) < 5, "neither waited for the job")
        #expect(waiting.isRunning, "the wait goes on meanwhile")

        waiting.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(waiting.terminationStatus == 0, "\(output)")
        #expect(output.contains("job Succeeded"), "\(output)")
        let entry = try state(directory)["tasks"]?["jobs/import"]
        #expect(entry?["outcome"]?.stringValue == "succeeded", "the pass after the job ended settled it")
        #expect(try state(directory)["tasks"]?["jobs/other"]?["suspended"]?["reason"]?.stringValue == "maintenance",
                "the other command's change is kept")
    }

    @Test func aRunStillInProgressIsNeverDeletedFromTheHistory() async throws {
        let directory = try project("  - key: long\n    Name: Long\n    run: {history: 0, concurrency: allow}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "600"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        let first = try #require(try runIDs(directory, "jobs/long").current)
        let second = try BinaryRunner.run(["run", "jobs/long"], in: directory.path, environment: server.environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("kept 1 old run still in progress"), "\(second.stderr)")
        #expect(try runIDs(directory, "jobs/long").history == [first], "history 0, but the first run is still going")
        #expect(try await serverIDs(named: "Long", server).count == 2)
    }

    @Test func aHistoryRunDeletedOnTheServerIsNotDrift() async throws {
        let directory = try project("  - key: import\n    Name: Import\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        #expect(try BinaryRunner.run(["run", "jobs/import"], in: directory.path, environment: server.environment).status == 0)
        let old = try #require(try runIDs(directory, "jobs/import").history.first)
        let deleted = try await RawHTTP(server).request("DELETE", "BatchTask/\(old)")
        #expect(deleted.status == 204)
        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(drift.status == 0, "drift exits 2 when it finds any: \(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout.contains("No drift"), "\(drift.stdout)")
    }

    @Test func applyReplaceStartsANewRunBesideTheOtherChanges() async throws {
        let directory = try project("  - key: import\n    Name: Import\n  - key: other\n    Name: Other\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve", "--target", "jobs/import"], in: directory.path,
                                     environment: server.environment).status == 0)
        let first = try #require(try runIDs(directory, "jobs/import").current)
        let plan = try BinaryRunner.run(["plan", "--replace", "jobs/import"], in: directory.path, environment: server.environment)
        #expect(plan.stdout.contains("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 1 to run."), "\(plan.stdout)")
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--replace", "jobs/import"], in: directory.path,
                                         environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("> jobs/import (id \(first))  # a new run asked for"), "\(apply.stdout)")
        #expect(try runIDs(directory, "jobs/import").history == [first])
        #expect(try runIDs(directory, "jobs/other").current != nil)
        let saved = try BinaryRunner.run(["apply", "--auto-approve", "--replace", "jobs/import", "plan.json"], in: directory.path,
                                         environment: server.environment)
        #expect(saved.status == 1 && saved.stderr.contains("--replace"), "a saved plan is applied as it was made: \(saved.stderr)")
    }

    @Test func onChangeStartsANewRunWhenAnUpdatableFieldChanges() async throws {
        let directory = try project("  - key: sync\n    Name: Sync\n    Description: first\n    run: {when: onChange}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        let first = try #require(try runIDs(directory, "jobs/sync").current)
        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n  - key: sync\n    Name: Sync\n    Description: second\n    run: {when: onChange}\n"
            .write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("> jobs/sync (id \(first))"), "\(apply.stdout)")
        #expect(apply.stdout.contains("1 to run."), "\(apply.stdout)")
        let runs = try runIDs(directory, "jobs/sync")
        #expect(runs.history == [first])
        let current = try #require(runs.current)
        #expect(current != first)
        let tasks = try await RawHTTP(server).allTasks()
        #expect(tasks.first { $0["Id"]?.intValue == first }?["Description"]?.stringValue == "first", "the old run is kept as it ran")
        #expect(tasks.first { $0["Id"]?.intValue == current }?["Description"]?.stringValue == "second")
    }

    @Test func forbidRefusesWhileARunIsInProgressAndReplaceStopsItFirst() async throws {
        let directory = try project("""
              - key: slow
                Name: Slow
                CancellationBehaviour: CanCancel
              - key: replaced
                Name: Replaced
                CancellationBehaviour: CanCancel
                run: {concurrency: replace}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "600"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        let slow = try #require(try runIDs(directory, "jobs/slow").current)
        let replaced = try #require(try runIDs(directory, "jobs/replaced").current)

        let refused = try BinaryRunner.run(["run", "jobs/slow"], in: directory.path, environment: server.environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("run \(slow) is still") && refused.stderr.contains("concurrency is forbid"), "\(refused.stderr)")
        let afterRefusal = try runIDs(directory, "jobs/slow")
        #expect(afterRefusal.current == slow && afterRefusal.history.isEmpty, "nothing was started")
        #expect(try await serverIDs(named: "Slow", server) == [slow])

        let replacing = try BinaryRunner.run(["run", "jobs/replaced"], in: directory.path, environment: server.environment)
        #expect(replacing.status == 0, "\(replacing.stderr)")
        #expect(replacing.stderr.contains("stopped run \(replaced) first"), "\(replacing.stderr)")
        let stopped = try await RawHTTP(server).request("GET", "BatchTask/\(replaced)")
        let stoppedState = stopped.body?["State"]?.stringValue ?? ""
        #expect(stoppedState != "Started" && stoppedState != "New" && stoppedState != "Aquired", "the old run was stopped: \(stoppedState)")
        #expect(try runIDs(directory, "jobs/replaced").history == [replaced])
    }

    /// Against a server in New York's zone that links each ParameterObject's blob (api.md v3), with dated tasks.
    @Test func killedMidRunOfFiveHundredThenRunAgainStartsEveryTaskExactlyAsOftenAsAsked() async throws {
        let directory = try project("""
              - key: task-${pad(n, 3)}
                matrix:
                  n: ${range(1, 500)}
                Name: Run task ${n}
                Created: "2026-01-15T09:00:00+01:00"
                ParameterObject: {n: "${n}", kind: run}
                run: {history: 10}

            """)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: [
            "--latency", "25", "--job-duration", "0", "--base-time-zone", "US-NY",
        ])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "16"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr.suffix(1000))")

        // Kill the run of all 500 once it is well under way: each run is a GET (concurrency) and a POST of 25 ms,
        // four at a time, so it takes several seconds.
        let journal = directory.path + "/batchctl.state.json.journal"
        let killed = try BinaryRunner.start(["run", "jobs/*", "--parallelism", "4"], in: directory.path, environment: server.environment)
        try await BinaryRunner.waitForFile(journal, largerThan: 20_000)
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        #expect(killed.terminationReason == .uncaughtSignal, "run finished before it could be killed")
        // What the killed run had sent: its outcomes (certainly started) and its intents (maybe started).
        let records = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let intents = Set(records.filter { $0["record"]?.stringValue == "intent" && $0["action"]?.stringValue == "run" }
            .compactMap { $0["address"]?.stringValue })
        let outcomes = Set(records.filter { $0["record"]?.stringValue == "outcome" }.compactMap { $0["address"]?.stringValue })
        #expect(!outcomes.isEmpty && outcomes.count < 500, "the kill landed mid-run: \(outcomes.count) runs recorded")

        let again = try BinaryRunner.run(["run", "jobs/*", "--parallelism", "16"], in: directory.path, environment: server.environment)
        #expect(again.status == 0, "\(again.stderr.suffix(2000))")
        #expect(!FileManager.default.fileExists(atPath: journal))

        // Every server task is in the state (none orphaned, none twice), and each task ran once for apply, once for
        // the second run, and once more only where the killed run had started it.
        let tasks = try await RawHTTP(server).allTasks()
        let entries = try state(directory)["tasks"]?.objectValue ?? [:]
        #expect(entries.count == 500)
        var owned: [Int64] = []
        for (address, entry) in entries {
            let ids = [entry["id"]?.intValue].compactMap { $0 } + (entry["history"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? [])
            owned += ids
            let startedByKilled = ids.count == 3
            #expect(ids.count == 2 || ids.count == 3, "\(address) has \(ids.count) runs")
            if outcomes.contains(address) { #expect(startedByKilled, "\(address): the killed run recorded its run, so it ran three times") }
            if !intents.contains(address) { #expect(!startedByKilled, "\(address): the killed run never sent it, so it ran twice") }
        }
        #expect(Set(owned).count == owned.count, "no id is owned twice")
        #expect(Set(owned) == Set(tasks.compactMap { $0["Id"]?.intValue }), "the server holds exactly the runs the state owns")
    }

    @Test func runDueWithAFakeClockFiresExactlyTheDueRunsAndSkipsThosePastTheirDeadline() async throws {
        let directory = try project("""
              - key: nightly
                Name: Nightly
                run: {when: schedule, schedule: "0 2 * * *", timeZone: Europe/Oslo}
              - key: strict
                Name: Strict
                run: {when: schedule, schedule: "30 1 * * *", timeZone: UTC, startingDeadline: 10m}
              - key: hourly
                Name: Hourly
                run: {when: schedule, schedule: "0 * * * *", startingDeadline: 2h}
              - key: plain
                Name: Plain

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }

        // Applying creates the plain task and registers the scheduled ones; nothing scheduled runs yet.
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: at("2026-12-01T12:10:00Z"))
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("3 to schedule"), "\(apply.stdout)")
        #expect(try await serverIDs(named: "Nightly", server).isEmpty)
        let listing = try BinaryRunner.run(["schedule", "-o", "json"], in: directory.path, environment: at("2026-12-01T12:10:00Z"))
        let schedules = try JSONValue.parse(listing.stdout)["schedules"]?.arrayValue ?? []
        let nightlyNext = schedules.first { $0["address"]?.stringValue == "jobs/nightly" }?["next"]?.stringValue
        #expect(nightlyNext == "2026-12-02T01:00:00Z", "02:00 in Oslo is 01:00 UTC in winter")

        // 01:45 UTC the next night: strict's 01:30 slot is 15 minutes old, past its 10-minute deadline; hourly
        // missed 13 slots and runs for the latest; nightly is not due until 01:00 UTC... which has passed.
        let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-02T01:45:00Z"))
        #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
        #expect(due.stdout.contains("> jobs/nightly"), "\(due.stdout)")
        #expect(due.stdout.contains("> jobs/hourly"), "\(due.stdout)")
        #expect(!due.stdout.contains("> jobs/strict"), "\(due.stdout)")
        #expect(!due.stdout.contains("jobs/plain"), "\(due.stdout)")
        #expect(due.stdout.contains("jobs/strict: 1 slot, the last at 2026-12-02T01:30:00Z"), "\(due.stdout)")
        #expect(due.stdout.contains("jobs/hourly: 12 slots"), "\(due.stdout)")
        #expect(try await serverIDs(named: "Nightly", server).count == 1)
        #expect(try await serverIDs(named: "Hourly", server).count == 1)
        #expect(try await serverIDs(named: "Strict", server).isEmpty)
        #expect(try await serverIDs(named: "Plain", server).count == 1, "run --due leaves other tasks alone")
        let slot = try state(directory)["tasks"]?["jobs/nightly"]?["slot"]?.stringValue
        #expect(slot == "2026-12-02T01:00:00Z")

        // Run again a minute later: nothing new is due.
        let again = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-02T01:46:00Z"))
        #expect(again.status == 0)
        #expect(again.stdout.contains("No runs are due."), "\(again.stdout)")
        #expect(try await serverIDs(named: "Nightly", server).count == 1)

        // The next night at 01:31 UTC: nightly, strict (1 minute late) and hourly are due.
        let next = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-03T01:31:00Z"))
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try await serverIDs(named: "Nightly", server).count == 2)
        #expect(try await serverIDs(named: "Strict", server).count == 1)
        #expect(try runIDs(directory, "jobs/nightly").history.count == 1)
    }
}
