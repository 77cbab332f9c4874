import Foundation
import JSON
import Testing

/// `import:` entries against `batchctl serve`: tasks made through the API are adopted into the state without a
/// request that creates or changes a task, each owned once, also after a kill mid-apply.
@Suite(.serialized) struct ImportEntryTests {
    private func project(_ set: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/adopt.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: adopt}\n" + set,
        ])
    }

    /// Makes a task through the API, as someone did by hand before batchctl; returns its id.
    private func make(_ server: EmulatorProcess, _ fields: JSONValue.Object) async throws -> Int64 {
        let created = try await RawHTTP(server).request("POST", "BatchTask", body: .object(fields))
        return try #require(created.body?.intValue, "POST answered \(created.status)")
    }

    /// The tasks the server holds, by id, without State (a job moves it on by itself).
    private func snapshot(_ server: EmulatorProcess) async throws -> [Int64: JSONValue] {
        var tasks: [Int64: JSONValue] = [:]
        for task in try await RawHTTP(server).allTasks() {
            guard let id = task["Id"]?.intValue, var object = task.objectValue else { continue }
            object["State"] = nil
            tasks[id] = .object(object)
        }
        return tasks
    }

    /// The state's ids, by address.
    private func stateIds(_ directory: TemporaryDirectory) throws -> [String: Int64] {
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        var ids: [String: Int64] = [:]
        for (address, entry) in state["tasks"]?.objectValue ?? [:] { ids[address] = entry["id"]?.intValue }
        return ids
    }

    private static let tasks = """
        vars:
          regions: [eu, us]
        tasks:
          - key: purge-${region}
            matrix:
              region: ${regions}
            Name: Purge ${region}
            Description: Purge of ${region}
            ParameterObject:
              region: ${region}
              days: "30"
          - key: report
            Name: System report
            IsSystemTask: true
            ParameterObject: {format: pdf}
          - {key: twin-a, Name: Twin, Description: first}
          - {key: twin-b, Name: Twin, Description: second}

        """

    @Test func importsAdoptTasksWithoutARequestThatChangesOne() async throws {
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        var ids: [String: Int64] = [:]
        for region in ["eu", "us"] {
            ids["adopt/purge-\(region)"] = try await make(server, [
                "Name": .string("Purge \(region)"), "Description": .string("Purge of \(region)"),
                "ParameterObject": ["region": .string(region), "days": "30"]])
        }
        ids["adopt/report"] = try await make(server, ["Name": "System report", "IsSystemTask": true, "ParameterObject": ["format": "pdf"]])
        ids["adopt/twin-a"] = try await make(server, ["Name": "Twin", "Description": "first"])
        ids["adopt/twin-b"] = try await make(server, ["Name": "Twin", "Description": "second"])
        let directory = try project(Self.tasks + """
            import:
              - to: purge-${region}
                name: Purge ${region}
                matrix:
                  region: ${regions}
              - {to: report, name: System report}
              - {to: twin-a, id: \(ids["adopt/twin-a"] ?? 0)}
              - {to: adopt/twin-b, id: "\(ids["adopt/twin-b"] ?? 0)"}

            """)
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 2, "\(plan.stderr)")
        for (address, id) in ids { #expect(plan.stdout.contains("  <= \(address) (id \(id))\n"), "\(plan.stdout)") }
        #expect(plan.stdout.contains("Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 5 to import."))
        #expect(!plan.stdout.contains(" ~ ") && !plan.stdout.contains(" + "))
        let json = try JSONValue.parse(try BinaryRunner.run(["plan", "-o", "json"], in: directory.path, environment: server.environment).stdout)
        #expect(json["summary"]?["import"]?.intValue == 5)
        #expect(json["actions"]?.arrayValue?.allSatisfy { $0["action"] == "import" } == true)

        let before = try await snapshot(server)
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Done: 5 succeeded, 0 failed, 0 skipped."), "\(apply.stdout)")
        for (address, id) in ids { #expect(apply.stderr.contains("imported \(address) (id \(id))"), "\(apply.stderr)") }
        #expect(try await snapshot(server) == before, "no task was created or changed")
        #expect(try stateIds(directory) == ids)

        let again = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("No changes."))
        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout == "No drift: the 5 managed tasks match what was applied.\n")
    }

    @Test func anAmbiguousNameIsRefusedNamingEveryId() async throws {
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let first = try await make(server, ["Name": "Twin", "Description": "first"])
        let second = try await make(server, ["Name": "Twin", "Description": "second"])
        let directory = try project("tasks:\n  - {key: twin, Name: Twin}\nimport:\n  - {to: twin, name: Twin}\n  - {to: twin, id: 99999}\n")
        let plan = try BinaryRunner.run(["plan"], in: directory.path, environment: server.environment)
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("sets/adopt.yaml:8:5: error: 'adopt/twin' is imported twice"), "\(plan.stderr)")
        let single = try project("tasks:\n  - {key: twin, Name: Twin}\nimport:\n  - {to: twin, name: Twin}\n  - {to: twni, id: 1}\n")
        let typo = try BinaryRunner.run(["plan"], in: single.path, environment: server.environment)
        #expect(typo.stderr.contains("sets/adopt.yaml:8:10: error: import to 'adopt/twni', but no task of the manifests has that address; did you mean adopt/twin?"), "\(typo.stderr)")
        let ambiguous = try project("tasks:\n  - {key: twin, Name: Twin}\nimport:\n  - {to: twin, name: Twin}\n")
        let refused = try BinaryRunner.run(["apply", "--auto-approve"], in: ambiguous.path, environment: server.environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("sets/adopt.yaml:7:5: error: cannot import \"Twin\" to adopt/twin: the Name matches tasks \(first) and \(second)"),
                "\(refused.stderr)")
        let missing = try project("tasks:\n  - {key: twin, Name: Twin}\nimport:\n  - {to: twin, id: 99999}\n")
        let gone = try BinaryRunner.run(["plan"], in: missing.path, environment: server.environment)
        #expect(gone.stderr.contains("sets/adopt.yaml:7:5: error: cannot import task 99999 to adopt/twin: the API has no task 99999"), "\(gone.stderr)")
        #expect(try await RawHTTP(server).allTasks().count == 2, "nothing was created")
    }

    @Test func anImportOutsideTheSelectionIsNotReadAndDoesNotStopIt() async throws {
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let first = try await make(server, ["Name": "Twin", "Description": "first"])
        let second = try await make(server, ["Name": "Twin", "Description": "second"])
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/crm.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: crm, labels: {team: crm}}\n"
                + "tasks:\n  - {key: twin, Name: Twin}\nimport:\n  - {to: twin, name: Twin}\n",
            "sets/ops.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: ops, labels: {team: ops}}\n"
                + "tasks:\n  - {key: purge, Name: Purge}\n",
        ])
        // The crm team's entry names two tasks; the ops team's runs neither read it nor stop at it.
        for selection in [["--selector", "team=ops"], ["--target", "ops/*"]] {
            let plan = try BinaryRunner.run(["plan"] + selection, in: directory.path, environment: server.environment)
            #expect(plan.status == 0 && plan.stdout.contains("1 to create"), "\(selection): \(plan.stdout.suffix(600))\(plan.stderr.suffix(600))")
        }
        let ops = try BinaryRunner.run(["apply", "--auto-approve", "--selector", "team=ops"], in: directory.path, environment: server.environment)
        #expect(ops.status == 0, "\(ops.stderr.suffix(800))")
        #expect(try stateIds(directory).keys.sorted() == ["ops/purge"])
        // A run whose selection takes the entry still stops at it, at its position.
        for arguments in [["plan"], ["apply", "--auto-approve", "--selector", "team=crm"]] {
            let crm = try BinaryRunner.run(arguments, in: directory.path, environment: server.environment)
            #expect(crm.status == 1)
            #expect(crm.stderr.contains("sets/crm.yaml:7:5: error: cannot import \"Twin\" to crm/twin: the Name matches tasks \(first) and \(second)"),
                    "\(arguments): \(crm.stderr)")
        }
        #expect(try await RawHTTP(server).allTasks().count == 3)
    }

    @Test func aDifferenceFollowsTheImportAsAnUpdateAndASavedPlanCarriesIt() async throws {
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let id = try await make(server, ["Name": "Nightly", "Description": "made by hand"])
        let other = try await make(server, ["Name": "Owned", "Description": "x"])
        let directory = try project("tasks:\n  - {key: nightly, Name: Nightly, Description: wanted}\nimport:\n  - {to: nightly, id: \(id)}\n")
        let plan = try BinaryRunner.run(["plan", "--out", "import.plan"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("  <= adopt/nightly (id \(id))\n  ~ adopt/nightly (id \(id))\n      Description: \"made by hand\" -> \"wanted\"\n"),
                "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 0 to move, 1 to import."))
        let apply = try BinaryRunner.run(["apply", "import.plan"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try stateIds(directory) == ["adopt/nightly": id])
        let task = try await RawHTTP(server).request("GET", "BatchTask/\(id)")
        #expect(task.body?["Description"] == "wanted")
        #expect(try await RawHTTP(server).allTasks().count == 2)
        #expect(try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment).status == 0)

        // The task another address owns is not imported a second time.
        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: adopt}\ntasks:\n  - {key: nightly, Name: Nightly, Description: wanted}\n  - {key: copy, Name: Nightly}\nimport:\n  - {to: nightly, id: \(other)}\n  - {to: copy, id: \(id)}\n"
            .write(toFile: directory.path + "/sets/adopt.yaml", atomically: true, encoding: .utf8)
        let owned = try BinaryRunner.run(["plan"], in: directory.path, environment: server.environment)
        #expect(owned.status == 1)
        #expect(owned.stderr.contains("sets/adopt.yaml:9:5: error: cannot import task \(id) to adopt/copy: it is already managed as adopt/nightly"),
                "\(owned.stderr)")
    }

    @Test func killedMidApplyOf500ImportsThenApplied() async throws {
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--latency", "25", "--job-duration", "0"])
        defer { server.stop() }
        let count = 500
        let ids = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for n in 1...count {
                group.addTask { (n, try await make(server, ["Name": .string("Load task \(n)"), "IsSystemTask": .bool(n % 2 == 0),
                                                           "ParameterObject": ["n": .string(String(n))]])) }
            }
            return try await group.reduce(into: [Int: Int64]()) { $0[$1.0] = $1.1 }
        }
        var set = """
            tasks:
              - key: task-${pad(n, 5)}
                matrix:
                  n: ${range(1, \(count))}
                Name: Load task ${n}
                IsSystemTask: ${n % 2 == 0}
                ParameterObject:
                  n: ${n}
            import:

            """
        for n in 1...count { set += "  - {to: task-\(String(repeating: "0", count: 5 - String(n).count))\(n), id: \(ids[n] ?? 0)}\n" }
        let directory = try project(set)
        let journal = directory.path + "/batchctl.state.json.journal"
        let process = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "2"], in: directory.path,
                                             environment: server.environment)
        try await BinaryRunner.waitForFile(journal, largerThan: 20_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "apply finished before it could be killed")
        #expect(FileManager.default.fileExists(atPath: journal), "the killed run left its journal")

        let finish = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path, environment: server.environment)
        #expect(finish.status == 0, "\(finish.stderr.suffix(2000))")
        #expect(finish.stderr.contains("recovered the interrupted run's journal"), "\(finish.stderr.suffix(2000))")
        #expect(!finish.stdout.contains("to import.\n") || finish.stdout.contains("0 to create, 0 to update, 0 to replace, 0 to delete, 0 to move,"))
        let owned = try stateIds(directory)
        #expect(owned.count == count)
        #expect(Set(owned.values) == Set(ids.values), "each task owned once")
        #expect(try await RawHTTP(server).allTasks().count == count, "nothing was created")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(1000))\(plan.stderr.suffix(1000))")
    }
}
