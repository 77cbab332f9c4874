import Foundation
import JSON
import PostgresTestSupport
import Testing

/// Two teams apply their own task sets of one project directory at once, each with `--selector`: on PostgreSQL each
/// run locks only the sets its selection takes, so both proceed together; the state file has one lock, so the second
/// run waits for the first (`--lock-timeout`) or fails naming it.
@Suite(.serialized) struct SelectorLockTests {
    static let skip = PostgresServer.missingPrerequisite

    /// `sets/crm.yaml` and `sets/ops.yaml`, labelled by team, of `count` tasks each; the project reads `sets`.
    private func project(tasksPerSet count: Int) throws -> TemporaryDirectory {
        func set(_ team: String) -> String {
            """
            apiVersion: batchctl/v1
            kind: TaskSet
            metadata:
              name: \(team)
              labels: {team: \(team)}
            tasks:
              - key: task-${pad(n, 4)}
                matrix:
                  n: ${range(1, \(count))}
                Name: \(team) task ${n}
                DatabaseSerialNumber: "1"
                ParameterObject: {n: "${n}"}
            """
        }
        return try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/crm.yaml": set("crm"),
            "sets/ops.yaml": set("ops"),
        ])
    }

    private func apply(_ team: String, _ extra: [String] = []) -> [String] {
        ["apply", "--auto-approve", "--selector", "team=\(team)", "--parallelism", "2"] + extra
    }

    /// The shared PostgreSQL server, a fresh schema on it, and `server`'s environment with the state there.
    private func sharedState(for server: EmulatorProcess, prefix: String) throws -> (PostgresServer, String, [String: String]) {
        let postgres = try PostgresServer.shared()
        let schema = PostgresServer.freshSchema(prefix)
        return (postgres, schema, server.environment.merging(["BATCHCTL_STATE": postgres.url(schema: schema)]) { $1 })
    }

    /// The names the server holds, by team.
    private func names(on server: EmulatorProcess) async throws -> [String: Int] {
        let tasks = try await RawHTTP(server).allTasks()
        var byTeam: [String: Int] = [:]
        for name in tasks.compactMap({ $0["Name"]?.stringValue }) { byTeam[String(name.prefix { $0 != " " }), default: 0] += 1 }
        return byTeam
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func twoSelectorAppliesOnOneProjectRunAtOnceOnPostgreSQL() async throws {
        let directory = try project(tasksPerSet: 60)
        // 60 creates at 2 at a time, each answered after 100 ms: each run takes seconds, long enough to overlap.
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--latency", "100", "--job-duration", "0"])
        defer { server.stop() }
        let (postgres, schema, environment) = try sharedState(for: server, prefix: "sel_")
        func locks(_ condition: String) -> Int {
            Int(((try? postgres.psql("SELECT count(*) FROM \(schema).locks WHERE \(condition)")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let crmOutput = Pipe(), opsOutput = Pipe()
        let crmReader = PipeReader(crmOutput), opsReader = PipeReader(opsOutput)
        let crm = try BinaryRunner.start(apply("crm"), in: directory.path, environment: environment, output: crmOutput)
        let ops = try BinaryRunner.start(apply("ops"), in: directory.path, environment: environment, output: opsOutput)
        // Both hold their set's lock at the same moment, and neither holds the other's (nor every set's).
        let together = BinaryRunner.waitUntil(timeout: 60) { locks("task_set = 'crm'") == 1 && locks("task_set = 'ops'") == 1 }
        let held = try postgres.psql("SELECT task_set FROM \(schema).locks ORDER BY task_set")
        crm.waitUntilExit()
        ops.waitUntilExit()
        let crmText = String(decoding: crmReader.wait(), as: UTF8.self)
        let opsText = String(decoding: opsReader.wait(), as: UTF8.self)
        #expect(together, "the two applies never held their locks at once: \(crmText.suffix(600)) \(opsText.suffix(600))")
        #expect(!held.contains("*"), "a run locked every set: \(held)")
        #expect(crm.terminationStatus == 0, "\(crmText.suffix(1500))")
        #expect(ops.terminationStatus == 0, "\(opsText.suffix(1500))")
        #expect(!crmText.contains("is locked by") && !opsText.contains("is locked by"))
        #expect(try await names(on: server) == ["crm": 60, "ops": 60])
        let entries = try postgres.psql("SELECT task_set || '=' || count(*) FROM \(schema).entries GROUP BY task_set ORDER BY task_set")
        #expect(entries.split(separator: "\n").map(String.init) == ["crm=60", "ops=60"], "\(entries)")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(800))\(plan.stderr.suffix(800))")
    }

    @Test func onTheStateFileTheSecondSelectorApplyWaitsForTheFirstOrFailsNamingIt() async throws {
        let directory = try project(tasksPerSet: 30)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--latency", "100", "--job-duration", "0"])
        defer { server.stop() }
        let environment = server.environment
        let crmOutput = Pipe()
        let crmReader = PipeReader(crmOutput)
        let crm = try BinaryRunner.start(apply("crm"), in: directory.path, environment: environment, output: crmOutput)
        let lockFile = directory.path + "/batchctl.state.json.lock"
        // Paused while it holds the file's lock, so the next runs meet it however slow the machine is.
        BinaryRunner.waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: lockFile) }
        let refused = try BinaryRunner.whileStopped(crm) {
            try BinaryRunner.run(apply("ops"), in: directory.path, environment: environment)
        }
        // With --lock-timeout the second run waits until the first lets go, then applies.
        let waited = try BinaryRunner.run(apply("ops", ["--lock-timeout", "120"]), in: directory.path, environment: environment)
        crm.waitUntilExit()
        let crmText = String(decoding: crmReader.wait(), as: UTF8.self)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is locked by") && refused.stderr.contains("apply"), "\(refused.stderr)")
        #expect(crm.terminationStatus == 0, "\(crmText.suffix(1500))")
        #expect(waited.status == 0, "\(waited.stderr.suffix(1500))")
        #expect(try await names(on: server) == ["crm": 30, "ops": 30])
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        #expect(state["tasks"]?.objectValue?.count == 60)
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(800))\(plan.stderr.suffix(800))")
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func twoSavedPlansOfDisjointSetsApplyAtOnceOnPostgreSQL() async throws {
        let directory = try project(tasksPerSet: 20)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--latency", "100", "--job-duration", "0"])
        defer { server.stop() }
        let (postgres, schema, environment) = try sharedState(for: server, prefix: "sav_")
        for team in ["crm", "ops"] {
            let plan = try BinaryRunner.run(["plan", "--selector", "team=\(team)", "--out", "\(team).plan"], in: directory.path,
                                            environment: environment)
            #expect(plan.status == 0, "\(plan.stderr.suffix(800))")
        }
        let crmOutput = Pipe()
        let crmReader = PipeReader(crmOutput)
        let crm = try BinaryRunner.start(["apply", "crm.plan", "--parallelism", "2"], in: directory.path, environment: environment,
                                         output: crmOutput)
        // Paused while it holds its lock, so the other plan meets it mid-run however slow the machine is.
        let locked = BinaryRunner.waitUntil(timeout: 60) {
            ((try? postgres.psql("SELECT string_agg(task_set, ',') FROM \(schema).locks")) ?? "").contains("crm")
        }
        let (held, ops) = try BinaryRunner.whileStopped(crm) {
            (try postgres.psql("SELECT string_agg(task_set, ',' ORDER BY task_set) FROM \(schema).locks"),
             try BinaryRunner.run(["apply", "ops.plan", "--parallelism", "2"], in: directory.path, environment: environment))
        }
        crm.waitUntilExit()
        let crmText = String(decoding: crmReader.wait(), as: UTF8.self)
        #expect(locked, "the first apply never held a lock: \(crmText.suffix(600))")
        #expect(held.trimmingCharacters(in: .whitespacesAndNewlines) == "crm", "the saved plan of crm locked \(held), not its own set")
        #expect(ops.status == 0, "\(ops.stdout.suffix(800))\(ops.stderr.suffix(800))")
        #expect(crm.terminationStatus == 0, "\(crmText.suffix(1500))")
        #expect(try await names(on: server) == ["crm": 20, "ops": 20])
        let entries = try postgres.psql("SELECT task_set || '=' || count(*) FROM \(schema).entries GROUP BY task_set ORDER BY task_set")
        #expect(entries.split(separator: "\n").map(String.init) == ["crm=20", "ops=20"], "\(entries)")
        // Applied once is enough: the state has moved on, so the same plan is refused.
        let again = try BinaryRunner.run(["apply", "crm.plan"], in: directory.path, environment: environment)
        #expect(again.status == 1 && again.stderr.contains("the state's set crm changed"), "\(again.stderr.suffix(800))")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(800))\(plan.stderr.suffix(800))")
    }

    @Test func aSavedPlanStaysGoodWhenAnotherSetIsAppliedFirst() async throws {
        let directory = try project(tasksPerSet: 5)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let environment = server.environment
        for team in ["crm", "ops"] {
            let plan = try BinaryRunner.run(["plan", "--selector", "team=\(team)", "--out", "\(team).plan"], in: directory.path,
                                            environment: environment)
            #expect(plan.status == 0, "\(plan.stderr.suffix(800))")
        }
        // ops is applied first and moves the state's serial on; crm's plan names only crm, which did not change.
        let ops = try BinaryRunner.run(["apply", "ops.plan"], in: directory.path, environment: environment)
        #expect(ops.status == 0, "\(ops.stderr.suffix(800))")
        let crm = try BinaryRunner.run(["apply", "crm.plan"], in: directory.path, environment: environment)
        #expect(crm.status == 0, "\(crm.stderr.suffix(800))")
        #expect(try await names(on: server) == ["crm": 5, "ops": 5])
        let again = try BinaryRunner.run(["apply", "ops.plan"], in: directory.path, environment: environment)
        #expect(again.status == 1 && again.stderr.contains("the state's set ops changed"), "\(again.stderr.suffix(800))")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(800))\(plan.stderr.suffix(800))")
    }
}
