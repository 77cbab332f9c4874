import DesiredTasks
import Testing
@testable import Manifest

/// Typed `inputs:`: their types, and the checks of a value where it is given.
@Suite struct InputTests {
    /// A set with an integer input used by a matrix, so that a bad value would break the matrix too.
    private static let shardsSet = taskSet("""
        inputs:
          shards:
            type: integer
            default: 2
            validation: {rule: "${shards >= 1}", message: "shards is at least 1"}
        tasks:
          - key: t-${n}
            matrix:
              n: ${range(1, shards)}
            Name: N ${n}

        """)

    private func shards(_ configure: (inout ManifestOptions) -> Void, files: [String: String] = [:]) throws -> ExpansionResult {
        try ManifestFixture(files.merging(["set.yaml": Self.shardsSet]) { a, _ in a }).expand(configure: configure)
    }

    @Test(arguments: [
        ("string", "string"), ("integer", "integer"), ("number", "number"), ("boolean", "boolean"), ("any", "any"),
        ("list(string)", "list(string)"), ("map(number)", "map(number)"), (" list( map( string ) ) ", "list(map(string))"),
        ("map(list(any))", "map(list(any))"),
    ])
    func typesParse(text: String, shown: String) throws {
        #expect(try InputType.parse(text).description == shown)
    }

    @Test(arguments: [
        ("lst(string)", 0, "unknown type 'lst'; did you mean list?"),
        ("list", 4, "list needs its element type in parentheses, as in list(string)"),
        ("list(string", 11, "expected ')' to close list("),
        ("map()", 4, "expected a type (string, integer, number, boolean, any, list(T), map(T)), found ')'"),
        ("string)", 6, "unexpected ')' after the type string"),
        ("list(strin)", 5, "unknown type 'strin'; did you mean string?"),
    ])
    func badTypesSayWhere(text: String, offset: Int, message: String) {
        #expect(throws: InputType.ParseError.self) { try InputType.parse(text) }
        do {
            _ = try InputType.parse(text)
        } catch {
            #expect(error.offset == offset)
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func aTypeThatDoesNotParseIsAnErrorAtItsCharacter() throws {
        let result = try expand("inputs:\n  a: {type: list(strin)}\n  b: {type: 'map(lst(any))'}\ntasks:\n  - {key: t, Name: N}\n")
        #expect(result.errors.count == 2)
        #expect(result.errors.first?.hasPrefix("set.yaml:6:18: error: type 'list(strin)': unknown type 'strin'; did you mean string?") == true, "\(result.errors)")
        #expect(result.errors.last?.hasPrefix("set.yaml:7:18: error: type 'map(lst(any))': unknown type 'lst'") == true, "\(result.errors)")
    }

    @Test func aWrongTypedFlagIsOneErrorAtTheFlag() throws {
        let result = try shards { $0.vars = [("shards", "abc")] }
        #expect(result.errors == [
            "--var shards: error: input shards is an integer; \"abc\" is a string\n    note: the input is declared at set.yaml:6:3",
        ])
        #expect(result.tasks.isEmpty)
        let environment = try shards { $0.environment = ["BATCHCTL_VAR_shards": "[1, 2]"] }
        #expect(environment.errors.map { $0.prefix { $0 != "\n" } } == [
            "BATCHCTL_VAR_shards: error: input shards is an integer; [1,2] is a list",
        ])
    }

    @Test func aGoodValueIsUsed() throws {
        let result = try shards { $0.vars = [("shards", "3")] }
        #expect(result.errors == [])
        #expect(result.tasks.map(\.address) == ["s/t-1", "s/t-2", "s/t-3"])
        let byDefault = try shards { _ in }
        #expect(byDefault.tasks.map(\.address) == ["s/t-1", "s/t-2"])
    }

    @Test func aVarFileValueIsCheckedAtItsLineAndColumn() throws {
        let files = ["values.yaml": "# values\nshards: 2.5\n"]
        let result = try shards({ $0.varFiles = ["values.yaml"] }, files: files)
        #expect(result.errors.map { $0.prefix { $0 != "\n" } } == ["values.yaml:2:9: error: input shards is an integer; 2.5 is a number"])
        let list = try ManifestFixture([
            "set.yaml": taskSet("inputs:\n  regions: {type: list(string)}\ntasks:\n  - {key: t, Name: N}\n"),
            "values.yaml": "regions:\n  - eu\n  - 7\n",
        ]).expand { $0.varFiles = ["values.yaml"] }
        #expect(list.errors.map { $0.prefix { $0 != "\n" } } == ["values.yaml:3:5: error: input regions is a list(string); regions[1] is an integer: 7"])
    }

    @Test func aFailedValidationPrintsItsMessageWhereTheValueCameFrom() throws {
        let result = try shards({ $0.varFiles = ["values.yaml"] }, files: ["values.yaml": "shards: 0\n"])
        #expect(result.errors == ["values.yaml:1:9: error: input shards: shards is at least 1\n    note: the rule is at set.yaml:9:24"])
        let flag = try shards { $0.vars = [("shards", "-2")] }
        #expect(flag.errors.map { $0.prefix { $0 != "\n" } } == ["--var shards: error: input shards: shards is at least 1"])
        let notBoolean = try expand("""
            inputs:
              n: {type: integer, default: 1, validation: {rule: "${n + 1}", message: m}}
            tasks:
              - {key: t, Name: N}

            """)
        #expect(notBoolean.errors.map { $0.prefix { $0 != "\n" } } == ["set.yaml:6:53: error: a validation rule gives true or false, not integer"])
    }

    @Test func conversionsAreFew() throws {
        let set = """
            inputs:
              ratio: {type: number}
              name: {type: string}
              flags: {type: map(boolean)}
              any: {}
            tasks:
              - {key: t, Name: '${ratio} ${name} ${json(flags)} ${json(any)}'}

            """
        let good = try expand(set) {
            $0.vars = [("ratio", "2"), ("name", "\"8\""), ("flags", "{a: true}"), ("any", "[1, x]")]
        }
        #expect(good.errors == [])
        #expect(good.task("s/t")?.info.name == "2 8 {\"a\":true} [1,\"x\"]")
        let bad = try expand(set) {
            $0.vars = [("ratio", "x"), ("name", "8"), ("flags", "{a: yes}"), ("any", "")]
        }
        #expect(bad.errors.map { $0.prefix { $0 != "\n" } } == [
            "--var flags: error: input flags is a map(boolean); flags.a is a string: \"yes\"",
            "--var name: error: input name is a string; 8 is an integer; quote it to mean the text, as in --var name='\"...\"'",
            "--var ratio: error: input ratio is a number; \"x\" is a string",
        ])
    }

    @Test func anInputWithoutAValueNamesWhereOneCanComeFrom() throws {
        let result = try expand("inputs:\n  token: {type: string}\ntasks:\n  - {key: t, Name: N}\n")
        #expect(result.errors == [
            "set.yaml:6:3: error: input token has no value: give it one with --var token=VALUE, in a var file (--var-file, or the project's varFiles), as BATCHCTL_VAR_token, or in the environment's vars in the project file; or give the input a default",
        ])
    }

    @Test func aSensitiveInputIsSecretWhereverItIsUsed() throws {
        let result = try expand("""
            inputs:
              pin: {type: string, sensitive: true}
            tasks:
              - {key: t, Name: N, Request: 'pin=${pin}'}

            """) { $0.vars = [("pin", "'4321'")]; $0.explain = "s/t" }
        #expect(result.errors == [])
        let task = try #require(result.task("s/t"))
        #expect(task.displayJSON["Request"] == "(sensitive)")
        #expect(task.info.request == "pin=4321")
        #expect(result.explanation?.inputs.first?.value == "(sensitive)")
        let wrong = try expand("inputs:\n  pin: {type: integer, sensitive: true}\ntasks:\n  - {key: t, Name: N}\n") {
            $0.vars = [("pin", "hunter2")]
        }
        #expect(wrong.errors.map { $0.prefix { $0 != "\n" } } == ["--var pin: error: input pin is an integer; the value given is a string"])
        #expect(!wrong.errors.joined().contains("hunter2"))
    }

    @Test func aNameIsAVarOrAnInputNotBoth() throws {
        let result = try expand("vars: {n: 1}\ninputs:\n  n: {type: integer}\ntasks:\n  - {key: t, Name: N}\n")
        #expect(result.errors == ["set.yaml:7:3: error: 'n' is declared both as a var (at set.yaml:5:8) and as an input; keep one"])
    }

    @Test func badDeclarationsAreReportedAtTheirKeys() throws {
        let result = try expand("""
            inputs:
              a: {type: integer, defualt: 1}
              b: {sensitive: yes}
              c: {validation: {rule: "${c}"}}
              set: {}
            tasks:
              - {key: t, Name: N}

            """)
        #expect(result.errors.map { $0.prefix { $0 != "\n" } } == [
            "set.yaml:6:22: error: unknown key 'defualt' in input 'a'; did you mean default? (known: type, default, description, validation, sensitive)",
            "set.yaml:7:18: error: sensitive is true or false, not a string",
            "set.yaml:8:19: error: a validation needs a message, printed where a value that fails the rule is given",
            "set.yaml:9:3: error: 'set' cannot be an input name: use letters, digits and '_', not starting with a digit, and none of env, set, task, true, false, null",
        ])
    }

    @Test func aValueForANameNobodyDeclaresStaysAWarning() throws {
        let result = try shards { $0.vars = [("shard", "3")] }
        #expect(result.errors == [])
        #expect(result.warnings == ["warning: a value is given for var 'shard' (--var shard), but no task set declares it; did you mean shards?"])
    }

    @Test func explainShowsTypeDescriptionAndSource() throws {
        let result = try expand("""
            inputs:
              n: {type: integer, default: 1, description: how many}
            tasks:
              - {key: t, Name: 'N ${n}'}

            """) { $0.vars = [("n", "2")]; $0.explain = "s/t" }
        let input = try #require(result.explanation?.inputs.first)
        #expect(input.name == "n")
        #expect(input.value == 2)
        #expect(input.origin == "integer: how many; from --var n (overriding the input's default at set.yaml:6:31)")
        let field = try #require(result.explanation?.fields.first { $0.path == "Name" })
        #expect(field.inputs.first?.origin == "input (integer), set by --var n (overriding the input's default at set.yaml:6:31)")
    }

    @Test func theProjectDeclaresInputsForEverySet() throws {
        let fixture = try ManifestFixture([
            "batchctl.yaml": """
                apiVersion: batchctl/v1
                kind: Project
                manifests: [sets]
                inputs:
                  region: {type: string, validation: {rule: '${region != ""}', message: region is not empty}}

                """,
            "sets/a.yaml": taskSet("tasks:\n  - {key: t, Name: 'A ${region}'}\n", name: "a"),
            "sets/b.yaml": taskSet("vars: {region: x}\ntasks:\n  - {key: t, Name: 'B ${region}'}\n", name: "b"),
        ])
        let project = try fixture.project()
        #expect(project.inputs.map(\.name) == ["region"])
        let result = fixture.expand { $0 = ManifestOptions(project: project); $0.vars = [("region", "7")] }
        #expect(result.errors.map { $0.prefix { $0 != "\n" } } == [
            "--var region: error: input region is a string; 7 is an integer; quote it to mean the text, as in --var region='\"...\"'",
            "sets/b.yaml:5:8: error: 'region' is an input of the project (declared at batchctl.yaml:5:3); a set cannot declare it again",
        ])
        let missing = fixture.expand { $0 = ManifestOptions(project: project) }
        #expect(missing.errors.first?.hasPrefix("batchctl.yaml:5:3: error: input region has no value") == true, "\(missing.errors)")
    }
}
