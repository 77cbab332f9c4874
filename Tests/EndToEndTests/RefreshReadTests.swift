import Foundation
import JSON
import Testing

/// `--refresh-read list` against the real emulator: one `GET /BatchTask/All`, by id only what the list does not
/// hold, and the same drift and plan as one read per id.
@Suite struct RefreshReadTests {
    /// Four user tasks with a ParameterObject, and one system task (which the list leaves out).
    static func project() throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/load.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: load}
                tasks:
                  - key: task-${n}
                    matrix:
                      n: ${range(1, 4)}
                    Name: Load task ${n}
                    Description: Number ${n}
                    DatabaseSerialNumber: "1"
                    CancellationBehaviour: CanCancel
                    IsSystemTask: false
                    ParameterObject:
                      n: ${n}
                      region: eu
                  - key: system
                    Name: System task
                    Description: Kept by the system
                    IsSystemTask: true
                    ParameterObject: {kind: system}
                """,
        ])
    }

    /// The requests a run sent, from its `BATCHCTL_LOG=debug` lines: `GET /api/v1/BatchTask/7 -> 404`.
    private static func requests(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "GET /api/v1/BatchTask") else { return nil }
            return String(line[start.lowerBound...].prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
        }
    }

    private static func id(_ address: String, in directory: TemporaryDirectory) throws -> Int64 {
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        return try #require(state["tasks"]?[address]?["id"]?.intValue)
    }

    @Test func listAndIdSeeTheSameDriftAndADeletedTaskIsMissingOnlyAfterItsReadById() async throws {
        let directory = try Self.project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let env = server.environment
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        let changed = try Self.id("load/task-1", in: directory)
        let deleted = try Self.id("load/task-2", in: directory)
        let system = try Self.id("load/system", in: directory)
        let http = RawHTTP(server)
        #expect(try await http.request("PUT", "BatchTask/\(changed)", body: .object(["Description": "changed by hand"])).status == 200)
        #expect(try await http.request("DELETE", "BatchTask/\(deleted)").status == 204)

        var drifts: [String: String] = [:]
        for way in ["id", "list"] {
            let drift = try BinaryRunner.run(["drift", "--refresh-read", way, "-o", "json"], in: directory.path, environment: env)
            #expect(drift.status == 2, "\(way): \(drift.stderr)")
            drifts[way] = drift.stdout
        }
        #expect(drifts["list"] == drifts["id"])
        let items = try JSONValue.parse(drifts["list"] ?? "")["drift"]?.arrayValue ?? []
        #expect(items.count == 2, "\(drifts["list"] ?? "")")

        var debug = env
        debug["BATCHCTL_LOG"] = "debug"
        let listed = try BinaryRunner.run(["drift", "--refresh-read", "list"], in: directory.path, environment: debug)
        #expect(listed.status == 2)
        #expect(listed.stdout.contains("load/task-1 (id \(changed))  modified"))
        #expect(listed.stdout.contains("load/task-2 (id \(deleted))  missing from the API"))
        #expect(!listed.stdout.contains("load/system"), "the system task is read by id, not called missing")
        // One list, then by id exactly the two tasks it does not hold: the system task and the deleted one.
        #expect(Self.requests(listed.stderr).sorted() == [
            "GET /api/v1/BatchTask/All -> 200", "GET /api/v1/BatchTask/\(deleted) -> 404", "GET /api/v1/BatchTask/\(system) -> 200",
        ].sorted(), "\(listed.stderr)")

        // Five managed tasks are below the threshold: auto reads by id.
        let auto = try BinaryRunner.run(["drift"], in: directory.path, environment: debug)
        #expect(auto.status == 2)
        #expect(Self.requests(auto.stderr).count == 5, "\(auto.stderr)")
        #expect(!auto.stderr.contains("BatchTask/All"))

        // status reads as a refresh does: the same table both ways, the list's way with one /All.
        var statuses: [String: String] = [:]
        for way in ["id", "list"] {
            let status = try BinaryRunner.run(["status", "--refresh-read", way], in: directory.path, environment: debug)
            #expect(status.status == 0, "\(way): \(status.stderr)")
            statuses[way] = status.stdout
            #expect(Self.requests(status.stderr).contains("GET /api/v1/BatchTask/All -> 200") == (way == "list"), "\(way): \(status.stderr)")
        }
        #expect(statuses["list"] == statuses["id"])
        #expect(statuses["list"]?.contains("load/task-2") == true && statuses["list"]?.contains("missing") == true, "\(statuses["list"] ?? "")")

        var plans: [String: JSONValue] = [:]
        for way in ["id", "list"] {
            let plan = try BinaryRunner.run(["plan", "--refresh-read", way, "-o", "json"], in: directory.path, environment: env)
            #expect(plan.status == 0, "\(way): \(plan.stderr)")
            plans[way] = try JSONValue.parse(plan.stdout)["actions"]
        }
        #expect(plans["list"] == plans["id"])
        let actions = plans["list"]?.arrayValue ?? []
        #expect(actions.filter { $0["action"]?.stringValue != "noop" }.map { $0["address"]?.stringValue ?? "" }
            == ["load/task-1", "load/task-2"], "\(actions)")
    }

    /// What the list holds of a task is what a read by id gives: the linked ParameterObject, DetailsTable and
    /// DetailsRecord, and the dates, to the character.
    @Test func theListGivesEachTaskAsItsReadByIdDoes() async throws {
        let directory = try Self.project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let http = RawHTTP(server)
        let list = try await http.request("GET", "BatchTask/All")
        let tasks = try #require(list.body?.arrayValue)
        #expect(tasks.count == 4)
        for task in tasks {
            let id = try #require(task["Id"]?.intValue)
            #expect(task["DetailsTable"] != nil && task["DetailsRecord"] != nil && task["Created"] != nil)
            #expect(task["ParameterObject"] != nil)
            let single = try await http.request("GET", "BatchTask/\(id)")
            #expect(single.body == task)
        }
    }
}
