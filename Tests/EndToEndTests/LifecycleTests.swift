import Foundation
import JSON
import Testing

/// The rest of a managed task's life through the real binary: waiting for jobs, dependencies, moves, imports,
/// pruning, state surgery, interrupts and a damaged state.
@Suite struct LifecycleTests {
    private func project(_ body: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/s.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\n" + body,
        ])
    }

    private func stateJSON(_ directory: TemporaryDirectory) throws -> JSONValue {
        try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
    }

    @Test func waitFollowsJobsAndSkipsDependentsOfAFailure() throws {
        let directory = try project("""
            tasks:
              - {key: good, Name: Good, CancellationBehaviour: CanCancel}
              - {key: bad, Name: Bad, ParameterObject: {fail: true}}
              - {key: after-good, Name: After good, dependsOn: [good]}
              - {key: after-bad, Name: After bad, dependsOn: [bad]}
            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0.3"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 1, "a failed job fails the apply")
        #expect(apply.stderr.contains("created s/good"))
        // The dependents are held until what they wait for ended; no lock is held while the jobs run.
        #expect(apply.stdout.contains("s/after-good pending: waits for s/good"))
        #expect(apply.stdout.contains("job Succeeded"))
        #expect(apply.stdout.contains("failed create s/bad"))
        #expect(apply.stdout.contains("job Failed"))
        #expect(apply.stdout.contains("skipped create s/after-bad: s/bad Failed"))
        #expect(apply.stdout.contains("Done: 2 succeeded, 1 failed, 1 skipped."))
        let state = try stateJSON(directory)["tasks"]?.objectValue ?? [:]
        #expect(Set(state.keys) == ["s/good", "s/bad", "s/after-good"], "a submitted task is managed even when its job failed")
    }

    @Test func movedKeepsTheTaskAndItsID() throws {
        let directory = try project("tasks:\n  - {key: old-name, Name: Report}\n")
        let first = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(first.status == 0, "\(first.stderr)")
        let id = try stateJSON(directory)["tasks"]?["s/old-name"]?["id"]
        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\ntasks:\n  - {key: new-name, Name: Report}\nmoved:\n  - {from: old-name, to: new-name}\n"
            .write(toFile: directory.path + "/sets/s.yaml", atomically: true, encoding: .utf8)
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(plan.stdout.contains("-> s/new-name (id \(id?.intValue ?? 0))  # moved from s/old-name"))
        #expect(plan.stdout.contains("Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 1 to move."))
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        let tasks = try stateJSON(directory)["tasks"]?.objectValue ?? [:]
        #expect(Array(tasks.keys) == ["s/new-name"])
        #expect(tasks["s/new-name"]?["id"] == id)
        let again = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(again.status == 0)
    }

    @Test func importAdoptsAnExistingTask() async throws {
        let directory = try project("tasks:\n  - {key: adopted, Name: Existing, Description: wanted}\n")
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let created = try await RawHTTP(server).request("POST", "BatchTask", body: .object(["Name": "Existing", "Description": "made by hand"]))
        let id = try #require(created.body?.intValue)
        let imported = try BinaryRunner.run(["import", "s/adopted", String(id)], in: directory.path, environment: server.environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Imported task \(id) as s/adopted."))
        let plan = try BinaryRunner.run(["plan", "-o", "json"], in: directory.path, environment: server.environment)
        let actions = try JSONValue.parse(plan.stdout)["actions"]?.arrayValue ?? []
        #expect(actions.count == 1)
        #expect(actions.first?["action"] == "update")
        #expect(actions.first?["changes"]?[0]?["before"] == "made by hand")
        let again = try BinaryRunner.run(["import", "s/adopted", String(id)], in: directory.path, environment: server.environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already in the state"))
        let missing = try BinaryRunner.run(["import", "s/nope", "1"], in: directory.path, environment: server.environment)
        #expect(missing.stderr.contains("no task in the manifests has the address s/nope"))
    }

    @Test func pruneIsGuardedAgainstMassDeletes() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n  - {key: b, Name: B}\n  - {key: c, Name: C}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\ntasks:\n  - {key: a, Name: A}\n"
            .write(toFile: directory.path + "/sets/s.yaml", atomically: true, encoding: .utf8)
        let orphans = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(orphans.stdout.contains("In the state but no longer in the manifests (plan --prune deletes them):\n  s/b (id"))
        #expect(orphans.stdout.contains("No changes."))
        let guarded = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve", "--prune"], in: directory.path)
        #expect(guarded.status == 1)
        #expect(guarded.stderr.contains("this plan would delete 2 of the 3 managed tasks; if that is what you want, add --allow-mass-delete"))
        let allowed = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve", "--prune", "--allow-mass-delete"], in: directory.path)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try stateJSON(directory)["tasks"]?.objectValue?.count == 1)
    }

    @Test func destroyHonoursPreventDestroyAndSaysHowToLeaveTheTaskOut() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n  - key: keep\n    Name: Keep\n    lifecycle: {preventDestroy: true}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        let refused = try BinaryRunner.run(["destroy", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: destroy would delete s/keep, whose manifest says lifecycle.preventDestroy")
                && refused.stderr.contains("--exclude s/keep"),
                "\(refused.stderr)")
        #expect(try stateJSON(directory)["tasks"]?.objectValue?.count == 2, "nothing was deleted")
        let rest = try BinaryRunner.run(["destroy", "--endpoint", "embedded", "--auto-approve", "--exclude", "s/keep"], in: directory.path)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(try stateJSON(directory)["tasks"]?.objectValue?.keys.sorted() == ["s/keep"])
    }

    @Test func aTargetThatMatchesNothingIsAnErrorNotNoChanges() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        for command in [["plan"], ["apply", "--auto-approve"], ["destroy", "--auto-approve"], ["status"]] {
            let outcome = try BinaryRunner.run(command + ["--endpoint", "embedded", "--target", "s/typo"], in: directory.path)
            #expect(outcome.status == 1, "\(command[0]): \(outcome.stdout)")
            #expect(outcome.stderr.contains("--target s/typo match"), "\(command[0]): \(outcome.stderr)")
        }
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--target", "s/a", "--detailed-exitcode"], in: directory.path)
        #expect(plan.status == 0, "a target that matches stays fine: \(plan.stderr)")
    }

    @Test func anEndpointWithCredentialsIsRefusedBeforeAnythingIsWritten() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        let password = "pw-\(UUID().uuidString)"
        for command in [["plan"], ["apply", "--auto-approve"], ["drift"]] {
            let outcome = try BinaryRunner.run(command + ["--endpoint", "http://admin:\(password)@127.0.0.1:9"], in: directory.path)
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("must not carry credentials"), "\(outcome.stderr)")
            #expect(!(outcome.stdout + outcome.stderr).contains(password))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"))
    }

    /// A port that does not fit in 16 bits once crashed the binary after the plan was printed and the lock taken.
    @Test func aBadPortIsRefusedNamingItsFlagOrVariableBeforeAnythingIsWritten() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        let cases: [([String], [String: String], String)] = [
            (["--endpoint", "http://127.0.0.1:99999"], [:], "--endpoint has the port '99999'"),
            (["--endpoint", "http://127.0.0.1:abc"], [:], "--endpoint has the port 'abc'"),
            ([], ["BATCHCTL_ENDPOINT": "http://127.0.0.1:99999"], "BATCHCTL_ENDPOINT has the port '99999'"),
            (["--endpoint", "http://127.0.0.1:9"], [
                "BATCHCTL_SYSTEM_USER_TOKEN": "t", "BATCHCTL_PRIVATE_KEY_FILE": "/nonexistent/key.pem", "BATCHCTL_CLIENT_SECRET": "s",
                "BATCHCTL_CONTEXT_IDENTIFIER": "Cust1", "BATCHCTL_LOGIN_URL": "http://127.0.0.1:99999/Login",
            ], "BATCHCTL_LOGIN_URL has the port '99999'"),
        ]
        for (arguments, environment, expected) in cases {
            for command in [["plan"], ["apply", "--auto-approve"]] {
                let outcome = try BinaryRunner.run(command + arguments, in: directory.path, environment: environment)
                #expect(outcome.status == 1, "\(command) \(arguments): \(outcome.status) \(outcome.stderr)")
                #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
                #expect(outcome.stdout.isEmpty, "nothing is planned: \(outcome.stdout)")
            }
        }
        let controller = try BinaryRunner.run(
            ["controller", "--endpoint", "embedded", "--listen", "127.0.0.1:0", "--notify-url", "http://127.0.0.1:99999/x"],
            in: directory.path)
        #expect(controller.status != 0 && controller.status != 132, "\(controller.status)")
        #expect(controller.stderr.contains("--notify-url has the port '99999'"), "\(controller.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(written == ["batchctl.yaml", "sets"], "nothing is written: \(written)")
    }

    /// Such a ticket once failed every request for half a minute and was then printed, escaped, in the error.
    @Test func aTicketWithAControlCharacterIsRefusedAtOnceNamingItsVariable() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        let secret = "e2e-secret-\(UUID().uuidString)"
        let outcome = try BinaryRunner.run(["apply", "--auto-approve", "--endpoint", "http://127.0.0.1:9"], in: directory.path, environment: [
            "BATCHCTL_TICKET": "7T:\(secret)\u{01}", "BATCHCTL_USER": "", "BATCHCTL_PASSWORD": "", "BATCHCTL_TOKEN": "",
        ])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("BATCHCTL_TICKET contains a control character (U+0001)"), "\(outcome.stderr)")
        #expect(!(outcome.stdout + outcome.stderr).contains(secret))
    }

    @Test func renderTablesShowASensitiveNameAsSensitive() throws {
        let directory = try project("tasks:\n  - {key: a, Name: '${sensitive(\"top-secret-name\")}'}\n")
        let table = try BinaryRunner.run(["render", "-o", "table"], in: directory.path)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(!table.stdout.contains("top-secret-name"))
        #expect(table.stdout.contains("(sensitive)"))
    }

    @Test func projectFileMistakesArePositioned() throws {
        let twice = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\n---\napiVersion: batchctl/v1\nkind: Project\nparallelism: 4\n",
        ])
        let refused = try BinaryRunner.run(["validate"], in: twice.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("batchctl.yaml:4:1: error: a second Project document in batchctl.yaml"), "\(refused.stderr)")

        let endpoint = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nendpoint: ftp://example.com\n",
            "s.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\ntasks:\n  - {key: a, Name: A}\n",
        ])
        let plan = try BinaryRunner.run(["plan"], in: endpoint.path, environment: ["BATCHCTL_ENDPOINT": ""])
        #expect(plan.status == 1)
        #expect(plan.stderr.hasPrefix("batchctl.yaml:3:11: error: endpoint must be an http(s) URL or 'embedded', not 'ftp://example.com'"),
                "\(plan.stderr)")
    }

    @Test func stateSurgery() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n  - {key: b, Name: B}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        let list = try BinaryRunner.run(["state", "list"], in: directory.path)
        #expect(list.stdout.hasPrefix("ADDRESS  ID  APPLIED AT\ns/a"))
        let show = try BinaryRunner.run(["state", "show", "s/a"], in: directory.path)
        #expect(try JSONValue.parse(show.stdout)["applied"]?["Name"] == "A")
        for bad in ["s/has space", "noslash", "S/upper-set", "s/"] {
            let refused = try BinaryRunner.run(["state", "mv", "s/b", bad], in: directory.path)
            #expect(refused.status == 1, "state mv to '\(bad)' is refused")
            #expect(refused.stderr.contains("state mv: "), "\(refused.stderr)")
        }
        let moved = try BinaryRunner.run(["state", "mv", "s/b", "s/c"], in: directory.path)
        #expect(moved.status == 0)
        #expect(moved.stdout.hasPrefix("Moved s/b to s/c"))
        let removed = try BinaryRunner.run(["state", "rm", "s/c"], in: directory.path)
        #expect(removed.stdout.hasPrefix("Removed s/c"))
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(plan.stdout.contains("Plan: 1 to create"), "s/b is no longer managed, so it is created again")
        let unknown = try BinaryRunner.run(["state", "rm", "s/zzz"], in: directory.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: the state has no s/zzz\n")
    }

    @Test func aDamagedStateIsRefusedAndNeverOverwritten() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        let path = directory.path + "/batchctl.state.json"
        let damaged = "{\"formatVersion\": 1, \"lineage\": "
        try damaged.write(toFile: path, atomically: true, encoding: .utf8)
        for arguments in [["plan", "--endpoint", "embedded"], ["apply", "--endpoint", "embedded", "--auto-approve"]] {
            let outcome = try BinaryRunner.run(arguments, in: directory.path)
            #expect(outcome.status == 1)
            #expect(outcome.stderr.contains("batchctl.state.json.backup"), "\(outcome.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged)
        }
        let newer = "{\"formatVersion\": 99}\n"
        try newer.write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("formatVersion 99"))
    }

    @Test func refusalsThatNeedTheStateNameTheManifestPosition() throws {
        let directory = try project("tasks:\n  - key: keep\n    Name: Keep\n    lifecycle: {preventDestroy: true}\n  - key: b\n    Name: B\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        // A replace of a protected task, and a move onto an address the state already has.
        try ("apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\n"
             + "tasks:\n  - key: keep\n    Name: Renamed\n    lifecycle: {preventDestroy: true}\n  - key: b\n    Name: B\n"
             + "moved:\n  - {from: a, to: b}\n")
            .write(toFile: directory.path + "/sets/s.yaml", atomically: true, encoding: .utf8)
        var state = try String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8)
        state = state.replacingOccurrences(of: "\"s/keep\": {", with: "\"s/a\": {\"applied\": {}, \"appliedAt\": \"t\", \"fingerprint\": \"f\", \"id\": 999, \"source\": \"x\"},\n    \"s/keep\": {")
        try state.write(toFile: directory.path + "/batchctl.state.json", atomically: true, encoding: .utf8)
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--refresh=false"], in: directory.path)
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("sets/s.yaml:5:5: error: s/keep has lifecycle.preventDestroy, but Name changed"), "\(plan.stderr)")
        #expect(plan.stderr.contains("sets/s.yaml:11:5: error: cannot move s/a to s/b: the state has both"), "\(plan.stderr)")
    }

    @Test func anotherEndpointsStateIsRefused() throws {
        let directory = try project("tasks:\n  - {key: a, Name: A}\n")
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        let other = try BinaryRunner.run(["plan", "--endpoint", "http://127.0.0.1:9"], in: directory.path)
        #expect(other.status == 1)
        #expect(other.stderr.contains("is bound to endpoint embedded, not http://127.0.0.1:9"), "\(other.stderr)")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalWhileRefreshingLeavesAtOnceAndReleasesTheLock(signal: Int32) async throws {
        let directory = try ReconcileTests.project(tasks: 200)
        // Every answer takes 1.5 s: the second apply holds the lock for seconds while it refreshes.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--latency", "1500", "--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "100"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr.suffix(500))")
        let output = Pipe()
        let process = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "1"], in: directory.path,
                                             environment: server.environment, output: output)
        let lock = directory.path + "/batchctl.state.json.lock"
        #expect(BinaryRunner.waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: lock) }, "the second apply took the lock")
        usleep(300_000)
        #expect(process.isRunning, "the second apply is still refreshing")
        let sent = Date()
        kill(process.processIdentifier, signal)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(sent) < 10, "it left at once")
        #expect(process.terminationStatus == 128 + signal, "\(text.suffix(600))")
        #expect(text.contains("The state's lock was released."), "\(text.suffix(600))")
        #expect(!FileManager.default.fileExists(atPath: lock), "no lock is left behind")
        let plan = try BinaryRunner.run(["plan", "--refresh=false", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(300))\(plan.stderr.suffix(300))")
    }

    @Test func interruptStopsSendingAndTheNextApplyFinishes() async throws {
        // Slow enough (about 30 s) that the interrupt surely lands mid-run, even on a busy machine.
        let directory = try ReconcileTests.project(tasks: 600)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--latency", "50"])
        defer { server.stop() }
        let output = Pipe()
        let process = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "1"], in: directory.path,
                                             environment: server.environment, output: output)
        let journal = directory.path + "/batchctl.state.json.journal"
        try await BinaryRunner.waitForFile(journal, largerThan: 2_000)
        process.interrupt()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(text.contains("Interrupted: no new requests; waiting for those in flight"), "\(text.suffix(600))")
        #expect(text.contains("Interrupted: what was sent is recorded; run apply again to finish."))
        #expect(!FileManager.default.fileExists(atPath: journal), "an interrupted run still ends cleanly")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.lock"))
        let finish = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path, environment: server.environment)
        #expect(finish.status == 0)
        #expect(try await RawHTTP(server).allTasks().count == 600)
    }
}
