import Foundation
import JSON
import Testing
import YAML

/// Text that would reorder, recolour or break what a reader sees (bidirectional overrides, C1 controls, line
/// separators), from a manifest or from a server, reaches no terminal raw, and `render -o yaml` reads back.
@Suite struct HostileTextTests {
    /// Written in the manifest with YAML escapes; `expected` is what it means.
    static let written = #"a\u202Eb\u2066c\u2069d\x9B31me\Nf\u2028g\uFEFFh\x7Fi\e[2Jj\u200Fk"#
    static let expected = "a\u{202E}b\u{2066}c\u{2069}d\u{9B}31me\u{85}f\u{2028}g\u{FEFF}h\u{7F}i\u{1B}[2Jj\u{200F}k"
    /// What no output to a terminal may hold raw.
    static let forbidden: [Unicode.Scalar] = ["\u{202E}", "\u{2066}", "\u{2069}", "\u{9B}", "\u{85}", "\u{2028}",
                                               "\u{FEFF}", "\u{7F}", "\u{1B}", "\u{200F}"]

    static func project() throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: one
                    Name: "\(written)"
                    Description: plain
                    ParameterObject:
                      "k\(written)": "\(written)"
                """,
        ])
    }

    static func raw(in text: String) -> [String] {
        forbidden.filter { text.unicodeScalars.contains($0) }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    @Test func renderAsYAMLReadsBackTheSameValuesAndHoldsNoControlRaw() throws {
        let directory = try Self.project()
        let render = try BinaryRunner.run(["render", "-o", "yaml"], in: directory.path)
        #expect(render.status == 0, "\(render.stderr)")
        #expect(Self.raw(in: render.stdout).isEmpty, "\(Self.raw(in: render.stdout))")
        // The project's own loader (libyaml) reads it back to the same values.
        let file = try Loader().load(text: render.stdout, file: "render.yaml")
        let task = try #require(file.documents.first?["task"])
        #expect(task["Name"]?.string == Self.expected)
        let parameters = try #require(task["ParameterObject"])
        #expect(parameters["k" + Self.expected]?.string == Self.expected, "\(render.stdout)")
        // And so does PyYAML, which refuses a raw C1 control, where it is installed.
        guard let python = PythonEnvironment.python3, PythonEnvironment.succeeds(python, ["-c", "import yaml"]) else {
            // CI installs python3-yaml (.ci/run): there a missing PyYAML is a failure, never a skip.
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("PyYAML is not installed (apt-get install python3-yaml)") }
            return
        }
        let path = directory.path + "/render.yaml"
        try render.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        let script = """
            import json, sys, yaml
            docs = list(yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")))
            print(json.dumps([docs[0]["task"]["Name"], docs[0]["task"]["ParameterObject"]["k" + docs[0]["task"]["Name"]]]))
            """
        let read = try PythonEnvironment.run(python, ["-c", script, path])
        #expect(read.status == 0, "\(read.output)")
        #expect(try JSONValue.parse(read.output) == .array([.string(Self.expected), .string(Self.expected)]), "\(read.output)")
    }

    @Test func planAndExplainEscapeWhatRenderEscapes() throws {
        let directory = try Self.project()
        let explain = try BinaryRunner.run(["explain", "a/one"], in: directory.path)
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(Self.raw(in: explain.stdout).isEmpty, "\(Self.raw(in: explain.stdout))")
        #expect(explain.stdout.contains(#"a\u{202E}b\u{2066}c\u{2069}d\u{9B}31me\u{85}f\u{2028}g\u{FEFF}h\u{7F}i"#),
                "\(explain.stdout)")
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(Self.raw(in: plan.stdout).isEmpty, "\(Self.raw(in: plan.stdout))")
        #expect(plan.stdout.contains(#"Name: "a\u{202E}b"#), "\(plan.stdout)")
        let table = try BinaryRunner.run(["render"], in: directory.path)
        #expect(Self.raw(in: table.stdout).isEmpty)
    }

    @Test func aValueChangedOnTheServerIsEscapedInDriftAndPlan() async throws {
        let directory = try ReconcileTests.project(tasks: 1)
        let server = try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let env = server.environment
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: env)
        #expect(apply.status == 0, "\(apply.stderr)")
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let id = try #require(state["tasks"]?["load/task-00001"]?["id"]?.intValue)
        let put = try await RawHTTP(server).request("PUT", "BatchTask/\(id)", body: .object(["Description": .string(Self.expected)]))
        #expect(put.status == 200)
        for command in [["drift"], ["plan"]] {
            let outcome = try BinaryRunner.run(command, in: directory.path, environment: env)
            #expect(outcome.status == (command == ["drift"] ? 2 : 0), "\(outcome.stderr)")
            #expect(outcome.stdout.contains(#"Description: "Number 1" -> "a\u{202E}b"#), "\(outcome.stdout)")
            #expect(Self.raw(in: outcome.stdout).isEmpty, "\(command): \(Self.raw(in: outcome.stdout))")
        }
    }
}
