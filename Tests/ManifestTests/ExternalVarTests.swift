import Foundation
import Testing
@testable import Manifest

/// `--var NAME=VALUE` and `BATCHCTL_VAR_NAME`: one rule for what a value from outside the manifests is.
@Suite struct ExternalVarTests {
    /// The value a var gets, shown through `json(v)` in the task's Description.
    private func value(_ text: String, environment: Bool = false) throws -> (shown: String?, errors: [String]) {
        let result = try expand("vars: {v: default}\ntasks:\n  - key: t\n    Name: N\n    Description: ${json(v)}\n") { options in
            if environment {
                options.environment = ["BATCHCTL_VAR_v": text]
            } else {
                options.vars = [("v", text)]
            }
        }
        return (result.task("s/t")?.info.description, result.errors)
    }

    @Test(arguments: [
        ("8", "8"), ("-3", "-3"), ("true", "true"), ("~", "null"), ("", "null"), ("1.5", "1.5"),
        ("eu", #""eu""#), ("a: b", #""a: b""#), ("x # y", #""x # y""#), ("- item", #""- item""#),
        ("0012345", "12345"), (#""0012345""#, #""0012345""#), ("'it''s'", #""it's""#),
        ("[eu, us]", #"["eu","us"]"#), (#"{"k":1}"#, #"{"k":1}"#), ("[a, [b, c]]", #"["a",["b","c"]]"#),
        ("https://x.example/a?b=c", #""https://x.example/a?b=c""#),
    ])
    func aValueIsAPlainScalarOrAFlowCollectionOrAQuotedScalar(text: String, json: String) throws {
        let flag = try value(text)
        #expect(flag.errors == [])
        #expect(flag.shown == json, "--var v=\(text)")
        let environment = try value(text, environment: true)
        #expect(environment.shown == json, "BATCHCTL_VAR_v=\(text)")
    }

    @Test(arguments: [
        ("!include secrets.yaml", "--var v:1:1: error: --var v: a value starting with '!' would be a YAML tag"),
        ("&a x", "--var v:1:1: error: --var v: a value starting with '&'"),
        ("*a", "--var v:1:1: error: --var v: a value starting with '*'"),
        ("[!include secrets.yaml]", "--var v:1:1: error: --var v: '!' starts a YAML tag, anchor or alias"),
        ("{k: &a 1}", "--var v:1:1: error: --var v: '&' starts a YAML tag"),
        ("[1, 2", "--var v:1:1: error: --var v: '[1, 2' is not a YAML flow sequence or mapping"),
        (#""unterminated"#, "--var v:1:1: error: --var v: '\"unterminated' is not a YAML quoted scalar"),
    ])
    func tagsAnchorsAndBrokenYAMLAreErrorsNeverText(text: String, expected: String) throws {
        let outcome = try value(text)
        #expect(outcome.errors.count == 1, "\(outcome.errors)")
        #expect(outcome.errors.first?.hasPrefix(expected) == true, "\(outcome.errors)")
    }

    @Test func anIncludeInAFlowValueReadsNoFile() throws {
        let fixture = try ManifestFixture([
            "set.yaml": taskSet("vars: {v: default}\ntasks:\n  - key: t\n    Name: N\n    Description: ${json(v)}\n"),
            "secret.txt": "do-not-read",
        ])
        let result = fixture.expand { $0.vars = [("v", "[!include-text secret.txt]")] }
        #expect(result.errors.count == 1)
        #expect(!result.errors.joined().contains("do-not-read"))
        // Quoted, it is the text.
        let quoted = fixture.expand { $0.vars = [("v", #"["!include-text secret.txt"]"#)] }
        #expect(quoted.task("s/t")?.info.description == #"["!include-text secret.txt"]"#)
    }
}
