import Testing
@testable import Manifest

/// Input built to exhaust the stack or memory gets a positioned error: expressions nested or chained too deep,
/// values that double until they take gigabytes, long chains of vars.
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

    /// Forty vars, each twice the one before (`v0` on line 6, `v40` on line 46), and a task using the last.
    private func doubling(_ first: String, _ step: (String) -> String) -> String {
        var vars = "vars:\n  v0: \(first)\n"
        for i in 1...40 { vars += "  v\(i): \(step("v\(i - 1)"))\n" }
        return vars + "tasks:\n  - {key: a, Description: '${json(v40)}'}\n"
    }

    private static let tooBig = "would make a value larger than 16 MiB, the limit on a value an expression makes"

    @Test func valuesThatDoubleStopAtTheSizeLimit() throws {
        let thousand = String(repeating: "x", count: 1000)
        let cases: [(vars: String, error: String)] = [
            // v24 would hold 2^24 bytes: 16 MiB of text, and the 8 bytes a value costs besides.
            (doubling("x", { "${\($0) + \($0)}" }), "set.yaml:30:14: error: '+' \(Self.tooBig)"),
            (doubling("x", { "'${\($0)}${\($0)}'" }), "set.yaml:30:15: error: the text \(Self.tooBig)"),
            (doubling("x", { "'${format(\"%s%s\", \($0), \($0))}'" }), "set.yaml:30:11: error: format() \(Self.tooBig)"),
            (doubling("x", { "${join([\($0), \"\"], \($0))}" }), "set.yaml:30:10: error: join() \(Self.tooBig)"),
            // Each x becomes 256: v3 would hold 2^24 bytes.
            (doubling("x", { "'${replace(\($0), \"x\", \"\(String(repeating: "x", count: 256))\")}'" }), "set.yaml:9:10: error: replace() \(Self.tooBig)"),
            // Lists and maps of one text of a thousand bytes: v_k holds 2^k of them, each measuring 1,008 bytes.
            (doubling("[\(thousand)]", { "${concat(\($0), \($0))}" }), "set.yaml:21:10: error: concat() \(Self.tooBig)"),
            (doubling("[\(thousand)]", { "${[\($0), \($0)]}" }), "set.yaml:21:10: error: the list \(Self.tooBig)"),
            (doubling("{a: \(thousand)}", { #"${ {"a":\#($0), "b":\#($0)} }"# }), "set.yaml:20:11: error: the map \(Self.tooBig)"),
        ]
        for (vars, error) in cases {
            let clock = ContinuousClock()
            let start = clock.now
            let result = try expand(vars)
            #expect(clock.now - start < .seconds(60), "a debug build on a busy machine, far from what doubling forty times takes")
            #expect(result.errors.first == error, "\(result.errors.prefix(2))")
            #expect(result.errors.last?.hasPrefix("set.yaml:48:") == true, "the task refers to a var with an error")
        }
    }

    @Test func varsThatYAMLDoublesStopAtTheSizeLimit() throws {
        // No expression builds anything: each var is a YAML list of the one before, twice (v_k on line 7 + 3(k-1)).
        var vars = "vars:\n  v0: \(String(repeating: "x", count: 1000))\n"
        for i in 1...40 { vars += "  v\(i):\n    - ${v\(i - 1)}\n    - ${v\(i - 1)}\n" }
        let result = try expand(vars + "tasks:\n  - {key: a, Description: '${json(v40)}'}\n")
        #expect(result.errors.first == "set.yaml:50:5: error: var 'v15' is larger than 16 MiB, the limit on a value an expression makes")
        #expect(result.errors.last?.hasPrefix("set.yaml:128:") == true, "\(result.errors.suffix(1))")
    }

    @Test func functionsThatBuildBigValuesSayTheLimit() throws {
        let found = try nameErrors("${len(range(1, 10000000))}")
        #expect(found == ["set.yaml:7:17: error: range(1, 10000000) \(Self.tooBig)"])
        let fits = try expand("tasks:\n  - key: a\n    DetailsRecord: ${len(range(1, 2000000))}\n")
        #expect(fits.errors == [])
        #expect(fits.task("s/a")?.info.detailsRecord == 2_000_000)
    }
}

extension ManifestEngineTests {
    @Test func dependencyEdgesStopAtTheLimitBeforeTheyAreMade() throws {
        // 9,000 tasks that each depend on the 8,999 others: 80,991,000 edges in a manifest of a few lines.
        let result = try expand("tasks:\n  - key: t-${i}\n    matrix:\n      i: ${range(1, 9000)}\n    dependsOn: [\"t-*\"]\n")
        #expect(result.tasks.count == 9000)
        // 111 tasks make 998,889 edges; the 112th would pass the limit: the resolution stops there, at its dependsOn.
        #expect(result.errors == [
            "set.yaml:9:17: error: dependsOn makes more than 1000000 dependency edges in all, the limit (s/t-112, after "
                + "998889 edges of the tasks before it, adds 8999); every task a glob matches is an edge of every task "
                + "that writes it: depend on fewer tasks, or raise the limit with --max-dependency-edges",
        ])
        #expect(result.tasks.allSatisfy { $0.dependsOn.isEmpty }, "no task is left with part of its edges")
    }

    @Test func dependencyEdgesUpToTheLimitAreFine() throws {
        let fanIn = "tasks:\n  - key: load-${i}\n    matrix:\n      i: ${range(1, 10)}\n  - key: report\n    dependsOn: [load-*, load-1, s/load-?]\n"
        let exact = try expand(fanIn) { $0.maxDependencyEdges = 10 }
        #expect(exact.errors == [])
        #expect(exact.task("s/report")?.dependsOn == (1...10).map { "s/load-\($0)" }, "each edge once, in the order written")
        let over = try expand(fanIn) { $0.maxDependencyEdges = 9 }
        #expect(over.errors.count == 1)
        #expect(over.errors.first?.hasPrefix("set.yaml:10:17: error: dependsOn makes more than 9 dependency edges") == true,
                "\(over.errors)")
        // A glob that matches only the task that writes it matches no task.
        let alone = try expand("tasks:\n  - key: only\n    dependsOn: [o*]\n")
        #expect(alone.errors == ["set.yaml:7:17: error: dependsOn 'o*' matches no task"])
    }
}
