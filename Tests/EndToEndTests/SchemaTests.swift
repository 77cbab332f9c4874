import Foundation
import Testing

/// `batchctl schema` checked by a validator we did not write: `check-jsonschema` from PyPI, in `.build/jsonschema-venv`.
@Suite struct SchemaTests {
    /// Why the tests cannot run here; nil when they can. With `CI=true` nothing is skipped: a missing prerequisite
    /// (no python3, no pip, no way to reach PyPI) fails the tests instead.
    static let missingPrerequisite: String? = {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return nil }
        guard let python = PythonEnvironment.python3 else { return "skipped: python3 is not on PATH" }
        guard PythonEnvironment.succeeds(python, ["-m", "pip", "--version"]) else { return "skipped: python3 has no pip" }
        do {
            _ = try JSONSchemaChecker.prepare(python: python)
        } catch {
            return "skipped: check-jsonschema could not be installed (\(error))"
        }
        return nil
    }()

    @Test(.disabled(if: missingPrerequisite != nil, Comment(rawValue: missingPrerequisite ?? "")))
    func everyExampleFileIsValid() throws {
        let checker = try JSONSchemaChecker.make()
        let examples = BinaryRunner.repositoryRoot + "/examples"
        let files = try FileManager.default.subpathsOfDirectory(atPath: examples)
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .sorted()
        #expect(files.count >= 7, "\(files)")
        let outcome = try checker.check(files.map { examples + "/" + $0 })
        #expect(outcome.status == 0, "check-jsonschema: \(outcome.output)")
        // The manifests themselves were checked, not only fragments that no schema applies to.
        #expect(outcome.documents.contains { $0.hasSuffix("examples_sets_nightly.yaml.0.json") })
        #expect(outcome.documents.contains { $0.hasSuffix("examples_batchctl.yaml.0.json") })
    }

    @Test(.disabled(if: missingPrerequisite != nil, Comment(rawValue: missingPrerequisite ?? "")))
    func misspeltFieldsAndKeysAreRejected() throws {
        let checker = try JSONSchemaChecker.make()
        let directory = try TemporaryDirectory(files: [
            "good.yaml": Self.taskSet(task: "    Description: fine\n    DetailsRecord: ${n}\n    State: New\n"
                                      + "    run:\n      retry:\n        limit: ${n}\n        backoff: 5m\n      timeout: 2h\n      suspend: false\n"),
            "retry.yaml": Self.taskSet(task: "    run: {retry: {limt: 2}}\n"),
            "timeout.yaml": Self.taskSet(task: "    run: {timeout: 90 minutes}\n"),
            "field.yaml": Self.taskSet(task: "    Descripton: misspelt\n"),
            "state.yaml": Self.taskSet(task: "    State: Aquird\n"),
            "range.yaml": Self.taskSet(task: "    AssociateId: 2147483648\n"),
            "nested.yaml": Self.taskSet(task: "    ParameterObject: {list: [1, 2]}\n"),
            "top.yaml": Self.taskSet(task: "") + "templats: {}\n",
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nparalelism: 4\n",
        ])
        let good = try checker.check([directory.path + "/good.yaml"])
        #expect(good.status == 0, "\(good.output)")
        for (file, word) in [("field", "Descripton"), ("state", "Aquird"), ("range", "2147483648"), ("nested", "list"),
                             ("top", "templats"), ("batchctl", "paralelism"), ("retry", "limt"), ("timeout", "90 minutes")] {
            let outcome = try checker.check([directory.path + "/\(file).yaml"])
            #expect(outcome.status == 1, "\(file).yaml should be rejected: \(outcome.output)")
            #expect(outcome.output.contains(word), "\(file).yaml: \(outcome.output)")
        }
    }

    @Test(.disabled(if: missingPrerequisite != nil, Comment(rawValue: missingPrerequisite ?? "")))
    func theSchemaIsAValidDraft202012Schema() throws {
        let checker = try JSONSchemaChecker.make()
        let outcome = try PythonEnvironment.run(checker.executable, ["--check-metaschema", checker.schema])
        #expect(outcome.status == 0, "\(outcome.output)")
    }

    static func taskSet(task: String) -> String {
        "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: s}\nvars: {n: 1}\ntasks:\n  - key: t\n" + task
    }
}

/// `check-jsonschema` with the schema `batchctl schema` printed, run on YAML files as batchctl reads them.
struct JSONSchemaChecker {
    struct Outcome {
        var status: Int32
        var output: String
        /// The JSON documents checked, one per YAML document.
        var documents: [String]
    }

    var python: String
    var executable: String
    /// The schema, written by `batchctl schema` into a temporary directory.
    var schema: String
    private let directory: TemporaryDirectory

    static func make() throws -> JSONSchemaChecker {
        let python = try #require(PythonEnvironment.python3, "python3 is required (CI=true)")
        let venvPython = try prepare(python: python)
        let directory = try TemporaryDirectory()
        let printed = try BinaryRunner.run(["schema"])
        guard printed.status == 0 else { throw PythonError("batchctl schema failed: \(printed.stderr)") }
        let schema = directory.path + "/batchctl.schema.json"
        try printed.stdout.write(toFile: schema, atomically: true, encoding: .utf8)
        let bin = (venvPython as NSString).deletingLastPathComponent
        return JSONSchemaChecker(python: venvPython, executable: bin + "/check-jsonschema", schema: schema, directory: directory)
    }

    /// `.build/jsonschema-venv` with check-jsonschema installed, reused when present; its python.
    static func prepare(python: String) throws -> String {
        try PythonEnvironment.whilePreparing { try prepareChecker(python: python) }
    }

    private static func prepareChecker(python: String) throws -> String {
        let venvPython = try PythonEnvironment.virtualEnvironment("jsonschema-venv", python: python)
        let bin = (venvPython as NSString).deletingLastPathComponent
        if !FileManager.default.isExecutableFile(atPath: bin + "/check-jsonschema") {
            let installed = try PythonEnvironment.run(venvPython, ["-m", "pip", "install", "--quiet", "check-jsonschema"])
            guard installed.status == 0 else { throw PythonError("pip install check-jsonschema failed: \(installed.output)") }
        }
        return venvPython
    }

    /// Each YAML document of `files` becomes a JSON file (with `!include` and `!include-text` resolved as batchctl
    /// resolves them, since a JSON Schema validator knows no tags), and check-jsonschema checks them all at once.
    func check(_ files: [String]) throws -> Outcome {
        let output = directory.path + "/documents-" + UUID().uuidString
        let converted = try PythonEnvironment.run(python, ["-c", Self.converter, output] + files)
        guard converted.status == 0 else { throw PythonError("converting YAML to JSON failed: \(converted.output)") }
        let documents = converted.output.split(separator: "\n").map(String.init)
        let checked = try PythonEnvironment.run(executable, ["--schemafile", schema] + documents)
        return Outcome(status: checked.status, output: checked.output, documents: documents)
    }

    /// Reads YAML 1.2 with ruamel.yaml (check-jsonschema's own YAML library), dates as text as batchctl keeps them;
    /// prints the path of each JSON file written.
    static let converter = #"""
        import json, os, sys
        from ruamel.yaml import YAML, SafeConstructor

        def loader(directory):
            class Constructor(SafeConstructor):
                pass
            def include(constructor, node):
                path = os.path.join(directory, constructor.construct_scalar(node))
                with open(path, encoding="utf-8") as f:
                    return loader(os.path.dirname(path)).load(f)
            def include_text(constructor, node):
                with open(os.path.join(directory, constructor.construct_scalar(node)), encoding="utf-8") as f:
                    return f.read()
            Constructor.add_constructor("!include", include)
            Constructor.add_constructor("!include-text", include_text)
            Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
            yaml = YAML(typ="safe", pure=True)
            yaml.Constructor = Constructor
            return yaml

        output = sys.argv[1]
        os.makedirs(output, exist_ok=True)
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as f:
                documents = list(loader(os.path.dirname(path)).load_all(f))
            for index, document in enumerate(documents):
                name = os.path.join(output, path.strip("/").replace("/", "_") + ".%d.json" % index)
                with open(name, "w", encoding="utf-8") as f:
                    json.dump(document, f)
                print(name)
        """#
}
