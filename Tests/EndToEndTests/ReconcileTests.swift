import Foundation
import JSON
import Testing

/// plan / apply / drift / destroy through the real binary against the real emulator (`batchctl serve`) over
/// loopback HTTP, with the real state files on disk.
@Suite struct ReconcileTests {
    /// A project with one task set of `count` tasks, and a `sensitive()` value in every task; `systemTasks` makes
    /// every task `IsSystemTask: true`, which the REST list by state leaves out.
    /// With `created`, every task sends that Created date as well.
    static func project(tasks count: Int, secret: String = "never-shown-secret", systemTasks: Bool = false,
                        created: String? = nil) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/load.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: load}
                vars:
                  count: \(count)
                  token: ${sensitive("\(secret)")}
                tasks:
                  - key: task-${pad(n, 5)}
                    matrix:
                      n: ${range(1, count)}
                    Name: Load task ${n}
                    Description: Number ${n}
                    DatabaseSerialNumber: "1"
                    CancellationBehaviour: CanCancel
                    IsSystemTask: \(systemTasks)\(created.map { "\n    Created: \"\($0)\"" } ?? "")
                    ParameterObject:
                      n: ${n}
                      token: ${token}
                """,
        ])
    }

    @Test func fullCycleOnTheEmbeddedEmulator() throws {
        let directory = try Self.project(tasks: 5)
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Plan: 5 to create, 0 to update, 0 to replace, 0 to delete, 0 to move."))
        #expect(apply.stdout.contains("Done: 5 succeeded, 0 failed, 0 skipped."))
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("No changes."))
        let drift = try BinaryRunner.run(["drift", "--endpoint", "embedded"], in: directory.path)
        #expect(drift.status == 0)
        #expect(drift.stdout == "No drift: the 5 managed tasks match what was applied.\n")
        let destroy = try BinaryRunner.run(["destroy", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(destroy.status == 0, "\(destroy.stderr)")
        let after = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(after.status == 2)
        #expect(after.stdout.contains("Plan: 5 to create"))
    }

    @Test func outOfBandChangesShowAsDriftAndArePlannedBack() async throws {
        let directory = try Self.project(tasks: 3)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let env = server.environment
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let changedID = try #require(state["tasks"]?["load/task-00001"]?["id"]?.intValue)
        let deletedID = try #require(state["tasks"]?["load/task-00002"]?["id"]?.intValue)
        let http = RawHTTP(server)
        let put = try await http.request("PUT", "BatchTask/\(changedID)", body: .object(["Description": "changed by hand"]))
        #expect(put.status == 200)
        let delete = try await http.request("DELETE", "BatchTask/\(deletedID)")
        #expect(delete.status == 204)

        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: env)
        #expect(drift.status == 2)
        #expect(drift.stdout.contains("load/task-00001 (id \(changedID))  modified"))
        #expect(drift.stdout.contains("Description: \"Number 1\" -> \"changed by hand\""))
        #expect(drift.stdout.contains("load/task-00002 (id \(deletedID))  missing from the API"))
        let json = try BinaryRunner.run(["drift", "-o", "json"], in: directory.path, environment: env)
        #expect(try JSONValue.parse(json.stdout)["drift"]?.arrayValue?.count == 2)

        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode", "-o", "json"], in: directory.path, environment: env)
        #expect(plan.status == 2)
        let actions = try JSONValue.parse(plan.stdout)["actions"]?.arrayValue ?? []
        #expect(actions.map { $0["address"]?.stringValue ?? "" } == ["load/task-00001", "load/task-00002"])
        #expect(actions.map { $0["action"]?.stringValue ?? "" } == ["update", "create"])

        let fix = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: env)
        #expect(fix.status == 0, "\(fix.stderr)")
        let clean = try BinaryRunner.run(["drift"], in: directory.path, environment: env)
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(try await http.allTasks().count == 3)
    }

    @Test func aSavedPlanIsRefusedOnceTheStateMovedOn() throws {
        let directory = try Self.project(tasks: 2)
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let env = server.environment
        let saved = try BinaryRunner.run(["plan", "--out", "first.plan"], in: directory.path, environment: env)
        #expect(saved.status == 0, "\(saved.stderr)")
        let other = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: env)
        #expect(other.status == 0)
        let stale = try BinaryRunner.run(["apply", "first.plan"], in: directory.path, environment: env)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("first.plan is stale: the state's set load changed since the plan was made"))

        // A fresh saved plan applies exactly, without asking.
        try "\n  - {key: extra, Name: Extra}\n".appendLine(to: directory.path + "/sets/load.yaml")
        let fresh = try BinaryRunner.run(["plan", "--out", "second.plan"], in: directory.path, environment: env)
        #expect(fresh.stdout.contains("Plan: 1 to create"))
        let applied = try BinaryRunner.run(["apply", "second.plan"], in: directory.path, environment: env)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("Done: 1 succeeded"))
    }

    @Test func secretsNeverAppearInOutputPlansOrState() async throws {
        let secret = "tok-\(UUID().uuidString)"
        let directory = try Self.project(tasks: 2, secret: secret)
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let env = server.environment
        var outputs: [String] = []
        for arguments in [["plan", "--out", "p.plan"], ["apply", "--auto-approve"], ["plan"], ["drift"], ["status"],
                          ["render", "-o", "json"], ["explain", "load/task-00001"], ["state", "show", "load/task-00001"]] {
            let outcome = try BinaryRunner.run(arguments, in: directory.path, environment: env)
            outputs.append(outcome.stdout + outcome.stderr)
        }
        let files = try ["p.plan", "batchctl.state.json"].map { try String(contentsOfFile: directory.path + "/" + $0, encoding: .utf8) }
        for text in outputs + files {
            #expect(!text.contains(secret))
            #expect(!text.contains(server.password))
        }
        // The API itself gets the value: only what batchctl shows and keeps is hidden.
        let stored = try await RawHTTP(server).allTasks()
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0["ParameterObject"]?["token"]?.stringValue == secret })
    }
}

extension String {
    func appendLine(to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}
