import Foundation
import JSON
import Testing

/// `batchctl generate` against `batchctl serve` holding tasks made through the API: user and system tasks,
/// ParameterObjects, two tasks with the same Name.
@Suite struct GenerateTests {
    /// The fields a user sets, as api.md names them: what a generated set must render as the server holds them.
    private static let userFields = ["Name", "AssociateId", "DetailsTable", "DetailsRecord", "IsSystemTask", "IsInternalTask",
                                     "ParameterObject", "DatabaseSerialNumber", "Context", "Description", "Response", "Request",
                                     "FileName", "CancellationBehaviour"]
    /// What the server manages: never in a generated set.
    private static let serverFields = ["Id", "State", "LastStarted", "StartCount", "Result", "ProgressDescription", "ProgressPercent", "Created"]

    private struct Tenant {
        let server: EmulatorProcess
        let directory: TemporaryDirectory
        let ids: [Int64]
    }

    /// A server with five tasks made through the API, and an empty project beside it.
    private func tenant() async throws -> Tenant {
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0.2"])
        let http = RawHTTP(server)
        let bodies: [JSONValue] = [
            ["Name": "Nightly report", "AssociateId": 12, "Description": "made by hand",
             "ParameterObject": ["format": "pdf", "${who}": "costs ${region}"]],
            ["Name": "Nightly report", "AssociateId": 12, "Description": "the other one", "ParameterObject": ["format": "pdf"]],
            ["Name": "Purge eu", "AssociateId": 0, "IsSystemTask": true, "ParameterObject": ["region": "eu", "days": "30"],
             "Description": "purges eu", "CancellationBehaviour": "CannotCancel"],
            ["Name": "Purge us", "AssociateId": 0, "IsSystemTask": true, "ParameterObject": ["region": "us", "days": "30"],
             "Description": "purges us", "CancellationBehaviour": "CannotCancel"],
            ["Name": "Cleanup", "AssociateId": 7, "DetailsTable": 5, "DetailsRecord": 6, "FileName": "0x1F", "Context": "yes"],
        ]
        var ids: [Int64] = []
        for body in bodies {
            let created = try await http.request("POST", "BatchTask", body: body)
            ids.append(try #require(created.body?.intValue, "POST answered \(created.status)"))
        }
        let directory = try TemporaryDirectory(files: ["batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n"])
        try FileManager.default.createDirectory(atPath: directory.path + "/sets", withIntermediateDirectories: true)
        return Tenant(server: server, directory: directory, ids: ids)
    }

    /// The import entries of a generated file: key -> id.
    private func imports(_ text: String) throws -> [String: Int64] {
        let pattern = try NSRegularExpression(pattern: #"^  - \{to: ([^,]+), id: ([0-9]+)\}$"#, options: .anchorsMatchLines)
        var found: [String: Int64] = [:]
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let key = Range(match.range(at: 1), in: text), let id = Range(match.range(at: 2), in: text) else { continue }
            found[String(text[key])] = Int64(text[id])
        }
        return found
    }

    /// ParameterObject as a plain dictionary, whatever its key order.
    private func dictionary(_ value: JSONValue?) -> [String: JSONValue]? {
        value?.objectValue.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.value) }) }
    }

    /// `validate`, then `render -o json` of the project's sets, by key.
    private func rendered(_ tenant: Tenant) throws -> [String: JSONValue] {
        let validate = try BinaryRunner.run(["validate"], in: tenant.directory.path)
        #expect(validate.status == 0, "\(validate.stderr)")
        let render = try BinaryRunner.run(["render", "-o", "json"], in: tenant.directory.path)
        #expect(render.status == 0, "\(render.stderr)")
        var tasks: [String: JSONValue] = [:]
        for entry in try JSONValue.parse(render.stdout).arrayValue ?? [] {
            guard let address = entry["address"]?.stringValue, let slash = address.firstIndex(of: "/") else { continue }
            tasks[String(address[address.index(after: slash)...])] = entry["task"]
        }
        return tasks
    }

    @Test func generatedSetRendersWhatTheServerHolds() async throws {
        let tenant = try await tenant()
        defer { tenant.server.stop() }
        let file = tenant.directory.path + "/sets/legacy.yaml"
        let generate = try BinaryRunner.run(["generate", "--set", "legacy", "-o", file], in: tenant.directory.path,
                                            environment: tenant.server.environment)
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stderr.contains("Wrote \(file): task set legacy with 5 tasks to import."))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# Generated by `batchctl generate` from the 5 tasks at \(tenant.server.baseURL).\n"))
        let keys = try imports(text)
        #expect(Set(keys.values) == Set(tenant.ids), "one import entry per task, system tasks included")
        #expect(keys["nightly-report-\(tenant.ids[0])"] == tenant.ids[0] && keys["nightly-report-\(tenant.ids[1])"] == tenant.ids[1])
        #expect(text.contains("$${who}: costs $${region}"))
        let tasks = try rendered(tenant)
        #expect(tasks.count == 5)
        let http = RawHTTP(tenant.server)
        for (key, id) in keys {
            let server = try #require(try await http.request("GET", "BatchTask/\(id)").body)
            let task = try #require(tasks[key], "\(key) rendered")
            let linked = server["ParameterObject"]?.objectValue != nil
            for field in Self.userFields where !(linked && (field == "DetailsTable" || field == "DetailsRecord")) {
                if field == "ParameterObject" {
                    #expect(dictionary(task[field]) == dictionary(server[field]), "\(key) \(field)")
                } else {
                    // The server writes null for a field it does not hold.
                    #expect(task[field] == server[field].flatMap { $0.isNull ? nil : $0 }, "\(key) \(field)")
                }
            }
            for field in Self.serverFields { #expect(task[field] == nil, "\(key) leaves \(field) to the server") }
            if linked {
                #expect(task["DetailsTable"] == nil && task["DetailsRecord"] == nil, "the server links the ParameterObject there")
            }
        }
    }

    /// What an import entry will do, done by `batchctl import` one task at a time: the generated fields then plan
    /// and drift as no change.
    @Test func generatedTasksImportedOneByOnePlanNoChange() async throws {
        let tenant = try await tenant()
        defer { tenant.server.stop() }
        let environment = tenant.server.environment
        let file = tenant.directory.path + "/sets/legacy.yaml"
        let generate = try BinaryRunner.run(["generate", "--set", "legacy", "--keep-created", "-o", file], in: tenant.directory.path,
                                            environment: environment)
        #expect(generate.status == 0, "\(generate.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("    Created: "), "--keep-created keeps each task's Created")
        for (key, id) in try imports(text).sorted(by: { $0.value < $1.value }) {
            let imported = try BinaryRunner.run(["import", "legacy/\(key)", String(id)], in: tenant.directory.path, environment: environment)
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: tenant.directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("No changes."))
        let drift = try BinaryRunner.run(["drift"], in: tenant.directory.path, environment: environment)
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
    }

    @Test func matrixFoldsTasksThatDifferOnlyInTheirNamesPart() async throws {
        let tenant = try await tenant()
        defer { tenant.server.stop() }
        let file = tenant.directory.path + "/sets/purges.yaml"
        let folded = try BinaryRunner.run(["generate", "--set", "purges", "--name", "Purge*", "--system", "--matrix", "-o", file],
                                          in: tenant.directory.path, environment: tenant.server.environment)
        #expect(folded.status == 0, "\(folded.stderr)")
        #expect(folded.stderr.contains("with 2 tasks to import (one entry over a matrix)"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("  - key: purge-${variant}\n    matrix:\n      variant:\n        - eu\n        - us\n    Name: Purge ${variant}\n"))
        #expect(try imports(text) == ["purge-eu": tenant.ids[2], "purge-us": tenant.ids[3]])
        let again = try BinaryRunner.run(["generate", "--set", "purges", "--name", "Purge*", "-o", file],
                                         in: tenant.directory.path, environment: tenant.server.environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("\(file) exists already; generate writes a new file"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text, "an existing file is left as it was")
        let tasks = try rendered(tenant)
        #expect(tasks["purge-us"]?["ParameterObject"]?["region"] == "us")
        #expect(tasks["purge-us"]?["Description"] == "purges us")

        let copies = try BinaryRunner.run(["generate", "--set", "reports", "--name", "Nightly*", "--matrix", "--associate", "12"],
                                          in: tenant.directory.path, environment: tenant.server.environment)
        #expect(copies.status == 0, "\(copies.stderr)")
        #expect(copies.stderr.contains("note: --matrix: writing 2 task entries instead of one over a matrix: the Names do not differ"))
        #expect(try imports(copies.stdout).count == 2)
        let none = try BinaryRunner.run(["generate", "--set", "x", "--state", "Started", "--name", "Nightly report"],
                                        in: tenant.directory.path, environment: tenant.server.environment)
        #expect(none.status == 1)
        #expect(none.stderr.contains("no task at \(tenant.server.baseURL) matches --name 'Nightly report' --state Started"))
    }

    /// The generated file as written, `import:` block included: it plans only imports, and apply adopts each task once.
    @Test
    func generatedSetPlansOnlyImportsAndApplyAdoptsEachTaskOnce() async throws {
        let tenant = try await tenant()
        defer { tenant.server.stop() }
        let environment = tenant.server.environment
        let generate = try BinaryRunner.run(["generate", "--set", "legacy", "-o", "sets/legacy.yaml"], in: tenant.directory.path,
                                            environment: environment)
        #expect(generate.status == 0, "\(generate.stderr)")
        let validate = try BinaryRunner.run(["validate"], in: tenant.directory.path)
        #expect(validate.status == 0, "the file validates as written: \(validate.stderr)")
        let plan = try BinaryRunner.run(["plan", "-o", "json"], in: tenant.directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stderr)")
        let actions = try JSONValue.parse(plan.stdout)["actions"]?.arrayValue ?? []
        #expect(actions.count == 5)
        #expect(actions.allSatisfy { $0["action"] == "import" }, "\(plan.stdout)")
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: tenant.directory.path, environment: environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let state = try JSONValue.parse(String(contentsOfFile: tenant.directory.path + "/batchctl.state.json", encoding: .utf8))
        let owned = (state["tasks"]?.objectValue ?? [:]).values.compactMap { $0["id"]?.intValue }
        #expect(owned.sorted() == tenant.ids.sorted(), "each task owned once")
        let again = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: tenant.directory.path, environment: environment)
        #expect(again.status == 0, "\(again.stdout)")
        let drift = try BinaryRunner.run(["drift"], in: tenant.directory.path, environment: environment)
        #expect(drift.status == 0, "\(drift.stdout)")
        let tasks = try await RawHTTP(tenant.server).allTasks()
        #expect(tasks.count == 5, "nothing was created")
    }
}
