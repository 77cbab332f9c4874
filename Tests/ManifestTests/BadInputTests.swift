import Testing
@testable import Manifest

/// Every malformed manifest gets `file:line:col: error: ...`, never a crash.
extension ManifestEngineTests {
    /// Expands `body` and returns its error lines.
    private func errors(_ body: String, configure: (inout ManifestOptions) -> Void = { _ in }) throws -> [String] {
        try expand(body, configure: configure).errors
    }

    @Test func yamlSyntaxError() throws {
        let found = try errors("tasks:\n  - key: a\n   bad: [\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("set.yaml:"))
        #expect(found[0].contains(": error: "))
    }

    @Test func unknownAndMiscasedFields() throws {
        let found = try errors("tasks:\n  - key: a\n    Descripton: x\n    name: y\n    Colour: z\n")
        #expect(found == [
            "set.yaml:7:5: error: unknown field 'Descripton'; did you mean Description?",
            "set.yaml:8:5: error: unknown field 'name'; did you mean Name?",
            "set.yaml:9:5: error: unknown field 'Colour': BatchTaskInfo fields are spelled as the API spells them (Name, Description, ParameterObject, ...), and the control keys are key, extends, matrix, dependsOn, when, lifecycle, run",
        ])
    }

    @Test func idIsRejected() throws {
        #expect(try errors("tasks:\n  - {key: a, Id: 5}\n") == ["set.yaml:6:14: error: Id cannot be set: the server assigns it, and the task's key is its identity in batchctl"])
    }

    @Test func wrongTypesAndRanges() throws {
        let found = try errors("""
            tasks:
              - key: a
                AssociateId: 2147483648
                IsSystemTask: maybe
                ParameterObject: [1]
                State: Aquird
                Created: yesterday
            """)
        try #require(found.count == 5)
        #expect(found[0].hasPrefix("set.yaml:7:18: error: AssociateId: "))
        #expect(found[0].contains("2147483648"))
        #expect(found[1].hasPrefix("set.yaml:8:19: error: IsSystemTask: "))
        #expect(found[2] == "set.yaml:9:22: error: ParameterObject must be a mapping of text values (a string dictionary in the API), not a list")
        #expect(found[3].hasPrefix("set.yaml:10:12: error: State 'Aquird' is not a BatchTaskState; did you mean Aquired?"))
        #expect(found[4].hasPrefix("set.yaml:11:14: error: Created: "))
    }

    @Test func computedOverflowIsCaught() throws {
        let found = try errors("tasks:\n  - key: a\n    DetailsRecord: ${2147483647 + 1}\n")
        #expect(found.count == 1)
        #expect(found[0].contains("2147483648"))
    }

    @Test func undefinedNamesWithSuggestionsAndColumns() throws {
        let found = try errors("vars: {region: eu}\ntasks:\n  - key: a\n    Name: Import ${regoin} now\n    Request: ${uper(region)}\n")
        #expect(found == [
            "set.yaml:8:20: error: undefined name 'regoin'; did you mean region?",
            "set.yaml:9:16: error: unknown function 'uper'; did you mean upper?",
        ])
    }

    @Test func unsetEnvironmentVariable() throws {
        let found = try errors("tasks:\n  - {key: a, Name: '${env.BATCHCTL_TEST_UNSET}'}\n")
        #expect(found.count == 1)
        #expect(found[0].contains("environment variable BATCHCTL_TEST_UNSET is not set"))
    }

    @Test func divisionByZeroPerMatrixValue() throws {
        let found = try errors("tasks:\n  - key: a-${n}\n    matrix: {n: [1, 0]}\n    DetailsRecord: ${10 / n}\n")
        #expect(found == ["set.yaml:8:25: error: division by zero"])
    }

    @Test func expressionSyntaxErrors() throws {
        let found = try errors("tasks:\n  - {key: a, Name: '${1 +}', Request: '${x', Response: '${a = b}'}\n")
        #expect(found.count == 3)
        #expect(found.allSatisfy { $0.hasPrefix("set.yaml:6:") })
    }

    @Test func typeErrorsInOperators() throws {
        let found = try errors("vars: {list: [1]}\ntasks:\n  - {key: a, Name: '${\"a\" + 1}'}\n  - {key: b, Request: 'x${list}'}\n")
        try #require(found.count == 2)
        #expect(found[0].contains("'+' joins two strings or adds two integers"))
        #expect(found[1].contains("a list cannot be part of a text; pass it through json()"))
    }

    @Test func varCycle() throws {
        let found = try errors("vars: {a: '${b}', b: '${c}', c: '${a}'}\ntasks:\n  - {key: k, Name: '${a}'}\n")
        #expect(found.contains { $0.contains("vars refer to each other in a cycle: a -> b -> c -> a") })
    }

    @Test func extendsCycleAndMissingTemplate() throws {
        let found = try errors("templates:\n  a: {extends: b}\n  b: {extends: a}\ntasks:\n  - {key: k, extends: a}\n  - {key: l, extends: nope}\n")
        #expect(found.contains { $0.contains("templates extend each other in a cycle: a -> b -> a") })
        #expect(found.contains { $0.contains("no template named 'nope'") })
    }

    @Test func dependsOnCycleAndMissing() throws {
        let found = try errors("tasks:\n  - {key: a, dependsOn: b}\n  - {key: b, dependsOn: c}\n  - {key: c, dependsOn: [a]}\n  - {key: d, dependsOn: zz}\n")
        #expect(found.count == 2)
        #expect(found.contains { $0.contains("dependsOn 'zz' names no task") })
        let cycle = try errors("tasks:\n  - {key: a, dependsOn: b}\n  - {key: b, dependsOn: c}\n  - {key: c, dependsOn: [a]}\n")
        #expect(cycle == ["set.yaml:6:5: error: dependsOn forms a cycle: s/a -> s/b -> s/c -> s/a"])
    }

    @Test func duplicateYAMLKey() throws {
        let found = try errors("tasks:\n  - key: a\n    Name: x\n    Name: y\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("set.yaml:8:5: error: "))
        #expect(found[0].contains("7:5"))
    }

    @Test func duplicateExpandedKeyNamesBothPlaces() throws {
        let found = try errors("tasks:\n  - key: k-${n % 2}\n    matrix: {n: [1, 2, 3]}\n")
        #expect(found == ["set.yaml:6:5: error: duplicate key 'k-1' in set 's' (matrix: n=3)\n    note: first made at set.yaml:6:5 (matrix: n=1)"])
    }

    @Test func invalidKeysAndSetNames() throws {
        #expect(try errors("tasks:\n  - {key: 'has space'}\n").first?.contains("invalid key 'has space'") == true)
        let result = try ManifestFixture(["x.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: Bad_Name}\ntasks: [{key: a}]\n"]).expand()
        #expect(result.errors.first?.contains("invalid set name 'Bad_Name'") == true)
    }

    @Test func includeCycleAndOutsideRoot() throws {
        let fixture = try ManifestFixture([
            "set/s.yaml": taskSet("tasks:\n  - {key: a, ParameterObject: !include ../frag/a.yaml}\n"),
            "frag/a.yaml": "x: !include b.yaml\n",
            "frag/b.yaml": "y: !include a.yaml\n",
        ])
        let result = fixture.expand(paths: ["set"])
        #expect(result.errors.count == 1)
        #expect(result.errors[0].contains("a.yaml -> ") && result.errors[0].contains("b.yaml"))

        let outside = try ManifestFixture(["s.yaml": taskSet("tasks:\n  - {key: a, ParameterObject: !include ../../etc/x.yaml}\n")])
        let denied = outside.expand { $0.root = "." }
        #expect(denied.errors.first?.contains("--allow-include-outside") == true)
    }

    @Test func matrixOverTheLimit() throws {
        let found = try errors("tasks:\n  - key: k-${a}-${b}\n    matrix:\n      a: ${range(1, 1000)}\n      b: ${range(1, 1001)}\n")
        try #require(found.count == 1)
        #expect(found[0].contains("1001000 tasks, more than the limit of 1000000"))
        #expect(found[0].contains("--max-tasks"))
        let lowered = try errors("tasks:\n  - key: k-${a}\n    matrix: {a: [1, 2, 3]}\n") { $0.maxTasks = 2 }
        #expect(lowered.first?.contains("limit of 2") == true)
    }

    @Test func unknownTopLevelKeysAndKinds() throws {
        let result = try ManifestFixture([
            "a.yaml": "apiVersion: batchctl/v1\nkind: TaskSett\nmetadata: {name: a}\n",
            "b.yaml": "apiVersion: batchctl/v2\nkind: TaskSet\n",
            "c.yaml": taskSet("task: []\ntasks: [{key: a}]\n"),
        ]).expand()
        #expect(result.errors == [
            "a.yaml:2:7: error: unknown kind 'TaskSett'; did you mean TaskSet? (known kinds: TaskSet, Project)",
            "b.yaml:1:13: error: unsupported apiVersion 'batchctl/v2'; this batchctl reads apiVersion: batchctl/v1",
            "c.yaml:5:1: error: unknown key 'task' in a TaskSet; did you mean tasks? (known: apiVersion, kind, metadata, vars, inputs, defaults, templates, tasks, moved, import)",
        ])
    }

    @Test func duplicateSetNames() throws {
        let result = try ManifestFixture(["a.yaml": taskSet("tasks: [{key: a}]\n"), "b.yaml": taskSet("tasks: [{key: b}]\n")]).expand()
        #expect(result.errors == ["b.yaml:4:9: error: task set 's' is defined twice; set names are unique across everything loaded\n    note: first defined at a.yaml:4:9"])
    }

    @Test func reportsEveryErrorNotJustTheFirst() throws {
        let result = try ManifestFixture([
            "a.yaml": taskSet("tasks:\n  - {key: a, Nme: x}\n  - {key: b, DetailsRecord: '${1/0}'}\n", name: "a"),
            "b.yaml": taskSet("tasks:\n  - {key: c, State: Nope}\n", name: "b"),
        ]).expand()
        #expect(result.errors.count == 3)
        #expect(result.errors.map { String($0.prefix(6)) } == ["a.yaml", "a.yaml", "b.yaml"])
    }

    @Test func aTypeErrorNeverQuotesASensitiveValue() throws {
        let result = try expand("""
            vars:
              pin: ${sensitive("hunter2-secret")}
            tasks:
              - key: a
                Name: A
                ProgressPercent: ${pin}
              - key: b
                Name: B
                State: ${pin}
              - key: c
                Name: C
                ProgressPercent: ${sensitive("12")}x
            """)
        #expect(result.errors.count == 3, "\(result.errors)")
        for error in result.errors {
            #expect(!error.contains("hunter2") && !error.contains("12x"), "\(error)")
            #expect(error.contains("(sensitive)"), "\(error)")
        }
        // A value that is not sensitive is still quoted, to help find it.
        let plain = try expand("tasks:\n  - {key: a, Name: A, ProgressPercent: \"many\"}\n")
        #expect(plain.errors.first?.contains("\"many\"") == true, "\(plain.errors)")
    }
}

