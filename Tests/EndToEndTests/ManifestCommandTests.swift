import Foundation
import JSON
import Testing

/// `validate`, `render` and `explain` through the real binary, on the shipped examples and on broken input.
@Suite struct ManifestCommandTests {
    let examples = BinaryRunner.repositoryRoot + "/examples"

    @Test func validatesTheExamples() throws {
        let outcome = try BinaryRunner.run(["-C", examples, "validate", "--env", "prod"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "Valid: 2 task sets, 18 tasks from 2 files.\n")
        #expect(outcome.stderr == "")
    }

    @Test func rendersJSONInTheDocumentedShape() throws {
        let outcome = try BinaryRunner.run(["-C", examples, "render", "--output", "json", "--env", "prod"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let array = try #require(JSONValue.parse(outcome.stdout).arrayValue)
        #expect(array.count == 18)
        let first = try #require(array.first)
        #expect(first.objectValue.map { Array($0.keys) } == ["address", "source", "dependsOn", "task"])
        #expect(first["address"] == "maintenance/purge-contact")
        #expect(first["source"] == "sets/maintenance.yaml:19:5")
        let report = try #require(array.first { $0["address"] == "nightly/report" })
        #expect(report["dependsOn"]?.arrayValue?.count == 12)
        let eu = try #require(array.first { $0["address"] == "nightly/import-eu-02" })
        #expect(eu["task"]?["Name"] == "Import eu shard 2")
        #expect(eu["task"]?["DetailsRecord"] == nil, "beside a ParameterObject the server links its blob there")
        #expect(eu["task"]?["ParameterObject"]?["shard"] == "2")
        #expect(eu["task"]?["ParameterObject"]?["dryRun"] == "false")
        #expect(eu["task"]?["ParameterObject"]?["batchSize"] == "2000")
        #expect(eu["task"]?["ParameterObject"]?["priority"] == "1")
    }

    @Test func neverPrintsASensitiveValue() throws {
        let secret = "s3cret-\(UUID().uuidString)"
        let environment = ["MAINTENANCE_DB_PASSWORD": secret]
        for format in ["json", "yaml", "table"] {
            let outcome = try BinaryRunner.run(["-C", examples, "render", "-o", format, "--env", "dev"], environment: environment)
            #expect(outcome.status == 0)
            #expect(!outcome.stdout.contains(secret) && !outcome.stderr.contains(secret))
        }
        let json = try BinaryRunner.run(["-C", examples, "render", "-o", "json", "--target", "maintenance/purge-sale", "--env", "dev"], environment: environment)
        #expect(json.stdout.contains("\"dbPassword\": \"(sensitive)\""))
        let explain = try BinaryRunner.run(["-C", examples, "explain", "maintenance/purge-sale", "--env", "dev"], environment: environment)
        #expect(explain.status == 0)
        #expect(!explain.stdout.contains(secret))
    }

    @Test func whenDropsTheReportOutsideProduction() throws {
        let outcome = try BinaryRunner.run(["-C", examples, "render", "-o", "json", "--env", "dev"])
        #expect(outcome.status == 0)
        let addresses = try JSONValue.parse(outcome.stdout).arrayValue?.compactMap { $0["address"]?.stringValue } ?? []
        #expect(!addresses.contains("nightly/report"))
        #expect(addresses.filter { $0.hasPrefix("nightly/import-") }.count == 7, "dev.yaml sets two shards per region, plus the latam include")
        #expect(outcome.stderr.contains("warning: moved to 'nightly/report', but no task has that address now"))
    }

    @Test func targetsSelectorsAndExcludes() throws {
        let crm = try BinaryRunner.run(["-C", examples, "render", "-o", "json", "--selector", "team=ops", "--exclude", "*/reindex", "--env", "dev"])
        let addresses = try JSONValue.parse(crm.stdout).arrayValue?.compactMap { $0["address"]?.stringValue } ?? []
        #expect(addresses == ["maintenance/purge-contact", "maintenance/purge-person", "maintenance/purge-sale", "maintenance/purge-project"])
        let missing = try BinaryRunner.run(["-C", examples, "render", "--target", "nightly/nope", "--env", "dev"])
        #expect(missing.stderr.contains("warning: --target nightly/nope matches no task"))
    }

    /// One escaping rule for every terminal output: control characters from a manifest never reach the terminal raw.
    @Test func controlCharactersFromAManifestAreEscapedInTablesAndErrors() throws {
        let directory = try TemporaryDirectory(files: [
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: t
                    Name: "\\e[2J\\e]0;owned\\x07 cleared \\u202Eevil"

                """,
            "broken/b.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: b}
                tasks:
                  - key: t
                    "Na\\e[31mme": x

                """,
        ])
        let render = try BinaryRunner.run(["render", "-f", "sets", "-o", "table"], in: directory.path)
        #expect(render.status == 0, "\(render.stderr)")
        #expect(!render.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(render.stdout)")
        #expect(render.stdout.contains("\\u{1B}[2J"), "\(render.stdout)")
        #expect(render.stdout.contains("\\u{202E}evil"), "\(render.stdout)")
        let validate = try BinaryRunner.run(["validate", "-f", "broken"], in: directory.path)
        #expect(validate.status == 1)
        #expect(!validate.stderr.unicodeScalars.contains { $0.value == 0x1B }, "\(validate.stderr)")
        #expect(validate.stderr.contains("Na\\u{1B}[31mme"), "\(validate.stderr)")
    }

    @Test func aProjectFilesPathsAndEndpointAreReportedWhereTheyAreWritten() throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets, nowhere]\nvarFiles:\n  - missing.yaml\n",
            "sets/a.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: a}\ntasks: [{key: t, Name: T}]\n",
        ])
        let validate = try BinaryRunner.run(["validate"], in: directory.path)
        #expect(validate.status == 1)
        #expect(validate.stderr.contains("batchctl.yaml:3:19: error: nowhere: no such file or directory"), "\(validate.stderr)")
        #expect(validate.stderr.contains("batchctl.yaml:5:5: error: cannot read missing.yaml"), "\(validate.stderr)")
        // With -f the project's manifests are not read, and a missing path is the flag's.
        let flagged = try BinaryRunner.run(["validate", "-f", "elsewhere"], in: directory.path)
        #expect(flagged.stderr.contains("error: elsewhere: no such file or directory (given as a manifest path)"), "\(flagged.stderr)")
        // An endpoint with credentials in it is never echoed.
        let endpoint = try BinaryRunner.run(["plan", "--endpoint", "ftp://user:hunter2@host/x"], in: directory.path)
        #expect(endpoint.status == 1)
        #expect(!endpoint.stderr.contains("hunter2"), "\(endpoint.stderr)")
    }

    @Test func explainsWhereFieldsCameFrom() throws {
        let outcome = try BinaryRunner.run(["-C", examples, "explain", "nightly/import-us-03", "--env", "prod"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("nightly/import-us-03  (task entry at sets/nightly.yaml:33:5)"))
        #expect(outcome.stdout.contains("Name = \"Import us shard 3\"\n      from template import at fragments/templates.yaml:10:9"))
        #expect(outcome.stdout.contains("env_name = \"prod\"  var, set by environment prod's var file at env/prod.yaml:1:1 (overriding the set's vars at sets/nightly.yaml:9:3)"))
        #expect(outcome.stdout.contains("region = \"us\"  matrix axis at sets/nightly.yaml:36:7"))
        let unknown = try BinaryRunner.run(["-C", examples, "explain", "nightly/import-us-3", "--env", "prod"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("error: no task has the address 'nightly/import-us-3'; did you mean nightly/import-us-03?"))
    }

    @Test func brokenManifestsFailWithPositionedErrors() throws {
        let directory = try TemporaryDirectory(files: [
            "bad.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: bad}
                tasks:
                  - key: a
                    Descripton: typo
                  - key: b
                    DetailsRecord: ${1 / 0}
                """,
        ])
        let outcome = try BinaryRunner.run(["validate"], in: directory.path)
        #expect(outcome.status == 1)
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == """
            bad.yaml:6:5: error: unknown field 'Descripton'; did you mean Description?
            bad.yaml:8:24: error: division by zero
            2 errors

            """)
    }

    @Test func yamlSyntaxErrorsArePositionedToo() throws {
        let directory = try TemporaryDirectory(files: ["bad.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: x\n"])
        let outcome = try BinaryRunner.run(["-C", directory.path, "validate"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("bad.yaml:"))
        #expect(outcome.stderr.contains(": error: "))
    }

    @Test func aNestedParameterObjectValueFailsValidateWithItsPositionAndTheJSONHint() throws {
        let directory = try TemporaryDirectory(files: ["set.yaml": """
            apiVersion: batchctl/v1
            kind: TaskSet
            metadata: {name: s}
            tasks:
              - key: report
                Name: Report
                ParameterObject:
                  recipients: [crm-oncall, data-team]
            """])
        let outcome = try BinaryRunner.run(["-C", directory.path, "validate"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("set.yaml:8:19: error: ParameterObject.recipients is a list, but ParameterObject is a string dictionary in the API"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("write ${json(...)}"))
    }

    @Test func badFlagsAreUsageErrors() throws {
        let outcome = try BinaryRunner.run(["-C", examples, "render", "--var", "novalue"])
        #expect(outcome.status == 1, "usage errors exit 1, as cli.md allows 0, 1 and 2")
        #expect(outcome.stderr.contains("--var takes NAME=VALUE"))
    }
}
