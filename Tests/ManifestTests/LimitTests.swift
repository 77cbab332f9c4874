import Testing
@testable import Manifest

/// Input built to exhaust the stack gets a positioned error, or works: expressions nested or chained too deep,
/// long chains of vars.
extension ManifestEngineTests {
    /// The errors of a set whose task `a` has `Name: <scalar>` on line 7, the scalar starting at column 11.
    private func nameErrors(_ scalar: String, vars: String = "") throws -> [String] {
        try expand(vars + "tasks:\n  - key: a\n    Name: \(scalar)\n").errors
    }

    private static func tooDeep(line: Int, column: Int) -> String {
        "set.yaml:\(line):\(column): error: expression nested more than 256 levels deep (each bracket, operator and '.name' is a level); split it into vars"
    }

    @Test func deeplyNestedExpressionsAreAnErrorAtTheLevelPastTheLimit() throws {
        let n = 10_000
        // Each opens a level with one character, so the 257th opens at offset 2 + 256 in the scalar.
        let oneCharacterLevels = [
            String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n),
            String(repeating: "[", count: n) + String(repeating: "]", count: n),
            String(repeating: "!", count: n) + "true",
            String(repeating: "-", count: n) + "1",
        ]
        for inner in oneCharacterLevels {
            #expect(try nameErrors("${\(inner)}") == [Self.tooDeep(line: 7, column: 269)], "\(inner.prefix(3))")
        }
        // Map literals in a quoted scalar (a plain one ends at ': '), and calls: the level opens at the bracket.
        let maps = String(repeating: #"{"a":"#, count: n) + "1" + String(repeating: "}", count: n)
        #expect(try nameErrors("'${\(maps)}'") == [Self.tooDeep(line: 7, column: 11 + 1 + 2 + 256 * 5)])
        let calls = String(repeating: "len(", count: n) + "1" + String(repeating: ")", count: n)
        #expect(try nameErrors("${\(calls)}") == [Self.tooDeep(line: 7, column: 11 + 2 + 256 * 4 + 3)])
        let indexes = "x" + String(repeating: "[x", count: n) + String(repeating: "]", count: n)
        #expect(try nameErrors("${\(indexes)}", vars: "vars: {x: 0}\n") == [Self.tooDeep(line: 8, column: 11 + 3 + 256 * 2)])
    }

    @Test func nestingUpToTheLimitIsFine() throws {
        let parens = String(repeating: "(", count: 256) + "7" + String(repeating: ")", count: 256)
        let result = try expand("tasks:\n  - key: a\n    DetailsRecord: ${\(parens)}\n    Name: '${\(String(repeating: "!", count: 256))true}'\n")
        #expect(result.errors == [])
        #expect(result.task("s/a")?.info.detailsRecord == 7)
        #expect(result.task("s/a")?.info.name == "true")
    }

    @Test func longChainsOfOperatorsAreAnErrorNotAStackOverflow() throws {
        let n = 100_000
        // A chain of n operators is n levels deep: the 257th operator is the one past the limit.
        let sum = Array(repeating: "1", count: n).joined(separator: "+")
        #expect(try nameErrors("${\(sum)}") == [Self.tooDeep(line: 7, column: 11 + 2 + 1 + 256 * 2)])
        let conditionals = String(repeating: "false ? 1 : ", count: n) + "2"
        #expect(try nameErrors("'${\(conditionals)}'") == [Self.tooDeep(line: 7, column: 11 + 1 + 2 + 6 + 256 * 12)])
        let members = "m" + String(repeating: ".m", count: n)
        let memberColumn: Int = 11 + 3 + 256 * 2 + 1  // at the name after the 257th '.'
        #expect(try nameErrors("${\(members)}", vars: "vars: {m: {}}\n") == [Self.tooDeep(line: 8, column: memberColumn)])
        let concatenation = Array(repeating: #""a""#, count: n).joined(separator: " + ")
        #expect(try nameErrors("${\(concatenation)}").count == 1)

        let fits = Array(repeating: "1", count: 257).joined(separator: "+")
        let result = try expand("tasks:\n  - key: a\n    DetailsRecord: ${\(fits)}\n")
        #expect(result.errors == [])
        #expect(result.task("s/a")?.info.detailsRecord == 257)
    }

    @Test func aLongChainOfVarsIsEvaluatedWithoutDeepeningTheStack() throws {
        // v0 refers to v1, v1 to v2, ...: each var is evaluated once, after the ones it refers to.
        let n = 20_000
        var vars = "vars:\n"
        for i in 0..<n { vars += "  v\(i): ${v\(i + 1)}\n" }
        vars += "  v\(n): end\n"
        let result = try expand(vars + "tasks:\n  - {key: a, Name: '${v0}'}\n")
        #expect(result.errors == [])
        #expect(result.task("s/a")?.info.name == "end")

        // A long cycle is reported as one.
        let cycle = (0..<n).map { "  c\($0): ${c\(($0 + 1) % n)}\n" }.joined()
        let failed = try expand("vars:\n" + cycle + "tasks:\n  - {key: a, Name: '${c0}'}\n")
        #expect(failed.errors.contains { $0.contains("vars refer to each other in a cycle: c0 -> c1 -> c2 -> ") && $0.hasSuffix(" -> c\(n - 1) -> c0") })
    }

    @Test func errorsInReferencedVarsKeepTheirPositions() throws {
        let result = try expand("vars:\n  a: ${b + 1}\n  b: ${c}\n  c: ${1 / 0}\ntasks:\n  - {key: k, DetailsRecord: '${a}'}\n")
        #expect(Set(result.errors) == [
            "set.yaml:8:10: error: division by zero",
            "set.yaml:7:8: error: var 'c' has an error (reported at set.yaml:8:10)",
            "set.yaml:6:8: error: var 'b' has an error (reported at set.yaml:7:6)",
            "set.yaml:10:32: error: var 'a' has an error (reported at set.yaml:6:6)",
        ])
    }
}
