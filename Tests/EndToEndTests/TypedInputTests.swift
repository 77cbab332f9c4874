import Foundation
import JSON
import Testing

/// Typed inputs through the real binary: a wrong value is one error at the place it was given.
@Suite struct TypedInputTests {
    let examples = BinaryRunner.repositoryRoot + "/examples"
    /// No endpoint, environment, state or var from the environment the tests run in.
    private let clean = ["BATCHCTL_ENDPOINT": "", "BATCHCTL_ENV": "", "BATCHCTL_STATE": ""]

    private func errorLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains("error:") }
    }

    @Test func aWrongTypedFlagOnTheExamplesIsOneErrorAtTheFlag() throws {
        for command in ["validate", "render", "explain nightly/import-eu-01"] {
            let arguments = ["-C", examples] + command.split(separator: " ").map(String.init)
                + ["--env", "prod", "--var", "shards_per_region=abc"]
            let outcome = try BinaryRunner.run(arguments, environment: clean)
            #expect(outcome.status == 1, "\(command): \(outcome.stdout)")
            #expect(errorLines(outcome.stderr) == [
                "--var shards_per_region: error: input shards_per_region is an integer; \"abc\" is a string",
            ], "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.contains("note: the input is declared at sets/nightly.yaml:"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("range()") && !outcome.stderr.contains("matrix"), "\(outcome.stderr)")
        }
        let environment = try BinaryRunner.run(["-C", examples, "validate", "--env", "dev"],
                                               environment: clean.merging(["BATCHCTL_VAR_retention_days": "7"]) { $1 })
        #expect(environment.status == 1)
        #expect(errorLines(environment.stderr) == [
            "BATCHCTL_VAR_retention_days: error: input retention_days: keep at least 30 days of history (retention_days)",
        ], "\(environment.stderr)")
    }

    @Test func aFailedRuleInAnEnvironmentsVarFileIsReportedAtItsLineAndColumn() throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": """
                apiVersion: batchctl/v1
                kind: Project
                manifests: [sets]
                environments:
                  dev: {varFiles: [env/dev.yaml]}

                """,
            "sets/s.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: s}
                inputs:
                  shards:
                    type: integer
                    default: 2
                    description: shards of the import
                    validation: {rule: "${shards >= 1 && shards <= 8}", message: "shards is from 1 to 8"}
                  password: {type: string, sensitive: true, default: change-me}
                tasks:
                  - key: import-${shard}
                    matrix:
                      shard: ${range(1, shards)}
                    Name: Import shard ${shard}
                    Request: ${password}

                """,
            "env/dev.yaml": "# development\nshards: 12\npassword: hunter2\n",
        ])
        let plan = try BinaryRunner.run(["plan", "--env", "dev", "--endpoint", "embedded"], in: directory.path, environment: clean)
        #expect(plan.status == 1)
        #expect(errorLines(plan.stderr) == ["env/dev.yaml:2:9: error: input shards: shards is from 1 to 8"], "\(plan.stderr)")
        #expect(plan.stderr.contains("note: the rule is at sets/s.yaml:9:24"), "\(plan.stderr)")

        let flag = try BinaryRunner.run(["explain", "s/import-3", "--env", "dev", "--var", "shards=3"], in: directory.path, environment: clean)
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(flag.stdout.contains("shards = 3  integer: shards of the import; from --var shards (overriding the input's default at sets/s.yaml:7:14, environment dev's var file at env/dev.yaml:2:1)"), "\(flag.stdout)")
        #expect(flag.stdout.contains("password = \"(sensitive)\"  string, sensitive; from environment dev's var file at env/dev.yaml:3:1 (overriding the input's default at sets/s.yaml:10:54)"), "\(flag.stdout)")
        #expect(!flag.stdout.contains("hunter2"), "\(flag.stdout)")

        let schema = try BinaryRunner.run(["schema", "--var-file", "--env", "dev"], in: directory.path, environment: clean)
        #expect(schema.status == 0, "\(schema.stderr)")
        let document = try JSONValue.parse(schema.stdout)
        #expect(document["properties"]?["shards"]?["description"] == "integer (set s): shards of the import")
        #expect(document["properties"]?["shards"]?["anyOf"]?[0] == ["type": "integer"])
    }
}
