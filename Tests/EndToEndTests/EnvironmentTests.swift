import Foundation
import JSON
import Testing

/// The project's environments through the real binary: one state per environment, flags over the environment,
/// and a name that is not declared.
@Suite struct EnvironmentTests {
    private func project() throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": """
                apiVersion: batchctl/v1
                kind: Project
                manifests: [sets]
                environments:
                  dev: {varFiles: [env/dev.yaml]}
                  prod:
                    varFiles: [env/prod.yaml]
                    endpoint: ftp://example.com
                    parallelism: 3
                    vars: {shards: 3}

                """,
            "sets/s.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: s}
                vars: {env_name: none, shards: 1}
                tasks:
                  - key: import-${shard}
                    matrix:
                      shard: ${range(1, shards)}
                    Name: Import ${env_name} shard ${shard}
                    Description: Shard ${shard} of ${shards}

                """,
            "env/dev.yaml": "env_name: dev\n",
            "env/prod.yaml": "env_name: prod\nshards: 2\n",
        ])
    }

    /// No endpoint, environment or state from the environment the tests run in.
    private let clean = ["BATCHCTL_ENDPOINT": "", "BATCHCTL_ENV": "", "BATCHCTL_STATE": ""]

    /// The tasks of the state file at `file`, by address.
    private func tasks(_ directory: TemporaryDirectory, _ file: String) throws -> [String: JSONValue] {
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/" + file, encoding: .utf8))
        return Dictionary(uniqueKeysWithValues: (state["tasks"]?.objectValue ?? [:]).map { ($0.key, $0.value) })
    }

    @Test func twoEnvironmentsAppliedToOneEndpointKeepTwoStates() throws {
        let directory = try project()
        let dev = try BinaryRunner.run(["apply", "--env", "dev", "--endpoint", "embedded", "--auto-approve"], in: directory.path, environment: clean)
        #expect(dev.status == 0, "\(dev.stderr)")
        let prod = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path,
                                        environment: clean.merging(["BATCHCTL_ENV": "prod"]) { $1 })
        #expect(prod.status == 0, "\(prod.stderr)")
        #expect(prod.stdout.contains("Plan: 3 to create"), "prod's own state is empty, so dev's task is not reused: \(prod.stdout)")

        let devTasks = try tasks(directory, "batchctl.state.dev.json")
        let prodTasks = try tasks(directory, "batchctl.state.prod.json")
        #expect(Array(devTasks.keys).sorted() == ["s/import-1"])
        #expect(devTasks["s/import-1"]?["applied"]?["Name"] == "Import dev shard 1")
        #expect(Array(prodTasks.keys).sorted() == ["s/import-1", "s/import-2", "s/import-3"], "the environment's vars beat its var file")
        #expect(prodTasks["s/import-1"]?["applied"]?["Name"] == "Import prod shard 1")
        #expect(devTasks["s/import-1"]?["id"] != prodTasks["s/import-1"]?["id"])
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"), "no run was made without an environment")

        for environment in ["dev", "prod"] {
            let plan = try BinaryRunner.run(["plan", "--env", environment, "--endpoint", "embedded", "--detailed-exitcode"],
                                            in: directory.path, environment: clean)
            #expect(plan.status == 0, "\(environment): \(plan.stdout)\(plan.stderr)")
            #expect(plan.stdout.contains("No changes."))
        }
        let list = try BinaryRunner.run(["state", "list", "--env", "prod"], in: directory.path, environment: clean)
        #expect(list.stdout.contains("s/import-3"))
        #expect(list.stdout.contains("\(prodTasks["s/import-1"]?["id"]?.intValue ?? -1)"))
    }

    @Test func aStateGivenExplicitlyStillGetsTheWorkspaceName() throws {
        let directory = try project()
        let apply = try BinaryRunner.run(["apply", "--env", "dev", "--endpoint", "embedded", "--auto-approve"], in: directory.path,
                                         environment: clean.merging(["BATCHCTL_STATE": "shared/team.json"]) { $1 })
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try Array(tasks(directory, "shared/team.dev.json").keys) == ["s/import-1"])
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/shared/team.json"))
    }

    @Test func flagsAndEnvironmentVariablesBeatTheEnvironment() throws {
        let directory = try project()
        let endpoint = try BinaryRunner.run(["plan", "--env", "prod"], in: directory.path, environment: clean)
        #expect(endpoint.status == 1)
        #expect(endpoint.stderr.hasPrefix("batchctl.yaml:8:15: error: endpoint must be an http(s) URL or 'embedded', not 'ftp://example.com'"),
                "the environment's endpoint applies, and is reported where it is written: \(endpoint.stderr)")

        let flags = try BinaryRunner.run(["plan", "--env", "prod", "--endpoint", "embedded", "--var", "shards=1"], in: directory.path, environment: clean)
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(flags.stdout.contains("Plan: 1 to create"), "\(flags.stdout)")

        let variables = try BinaryRunner.run(["plan", "--env", "prod"], in: directory.path,
                                             environment: clean.merging(["BATCHCTL_VAR_shards": "2", "BATCHCTL_ENDPOINT": "embedded"]) { $1 })
        #expect(variables.status == 0, "\(variables.stderr)")
        #expect(variables.stdout.contains("Plan: 2 to create"), "\(variables.stdout)")

        let varFile = try BinaryRunner.run(["render", "-o", "json", "--env", "prod", "--var-file", "env/dev.yaml"], in: directory.path, environment: clean)
        let names = try JSONValue.parse(varFile.stdout).arrayValue?.compactMap { $0["task"]?["Name"]?.stringValue }
        #expect(names == ["Import dev shard 1", "Import dev shard 2", "Import dev shard 3"], "--var-file beats the environment's var file")
    }

    @Test func anUnknownOrMissingEnvironmentIsAnErrorThatNamesThem() throws {
        let directory = try project()
        let unknown = try BinaryRunner.run(["plan", "--env", "prdo", "--endpoint", "embedded"], in: directory.path, environment: clean)
        #expect(unknown.status == 1)
        #expect(unknown.stdout == "")
        #expect(unknown.stderr == """
            error: --env prdo: no such environment; did you mean prod? (batchctl.yaml declares dev, prod)
                note: the environments are declared at batchctl.yaml:4:1
            1 error

            """)
        let variable = try BinaryRunner.run(["state", "list"], in: directory.path, environment: clean.merging(["BATCHCTL_ENV": "staging"]) { $1 })
        #expect(variable.status == 1)
        #expect(variable.stderr.hasPrefix("error: BATCHCTL_ENV=staging: no such environment (batchctl.yaml declares dev, prod)"), "\(variable.stderr)")

        for command in [["validate"], ["apply", "--endpoint", "embedded", "--auto-approve"], ["state", "list"]] {
            let missing = try BinaryRunner.run(command, in: directory.path, environment: clean)
            #expect(missing.status == 1, "\(command)")
            #expect(missing.stderr.hasPrefix("batchctl.yaml:4:1: error: batchctl.yaml declares the environments dev, prod: choose one with --env NAME (or BATCHCTL_ENV)"),
                    "\(command): \(missing.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/.batchctl"), "nothing was started or applied")

        let plain = try TemporaryDirectory(files: ["s.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\ntasks:\n  - {key: a, Name: A}\n"])
        let none = try BinaryRunner.run(["validate", "--env", "prod"], in: plain.path, environment: clean)
        #expect(none.status == 1)
        #expect(none.stderr.hasPrefix("error: --env prod: there is no batchctl.yaml here to declare environments"), "\(none.stderr)")
    }

    @Test func explainSaysWhichEnvironmentSetAVar() throws {
        let directory = try project()
        let outcome = try BinaryRunner.run(["explain", "s/import-3", "--env", "prod"], in: directory.path, environment: clean)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("        shards = 3  var, set by environment prod's vars at batchctl.yaml:10:12 (overriding the set's vars at sets/s.yaml:4:24, environment prod's var file at env/prod.yaml:2:1)"),
                "\(outcome.stdout)")
        #expect(outcome.stdout.contains("        env_name = \"prod\"  var, set by environment prod's var file at env/prod.yaml:1:1 (overriding the set's vars at sets/s.yaml:4:8)"))
        let flag = try BinaryRunner.run(["explain", "s/import-2", "--env", "prod", "--var", "shards=2"], in: directory.path, environment: clean)
        #expect(flag.stdout.contains("shards = 2  var, set by --var shards (overriding the set's vars at sets/s.yaml:4:24, environment prod's var file at env/prod.yaml:2:1, environment prod's vars at batchctl.yaml:10:12)"),
                "\(flag.stdout)")
    }
}
