@testable import Expressions
import JSON
import OrderedCollections
import Testing

/// Evaluates one expression (the text between `${` and `}`) with `vars` as constants and `slots` as per-task matrix
/// values, the way a field's scalar is compiled once and evaluated per task.
private func evaluate(_ expression: String, vars: [String: Value] = [:], slots: [String: Value] = [:]) throws(ExpressionError) -> Value {
    let scalars = Array(("${" + expression + "}").unicodeScalars)
    let (syntax, _) = try Parser.parse(scalars, from: 2)
    var scope = NameScope(setName: "s", environment: [:], lookUpVar: { name, _ in vars[name] }, varNames: { Array(vars.keys) })
    let names = slots.keys.sorted()
    scope.slots = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    let compiled = try Compiler.compile(syntax, in: scope)
    return try Evaluator.evaluate(compiled, EvaluationContext(slots: names.map { slots[$0] }, taskKey: nil, taskAddress: nil))
}

/// The error an expression gives, with its offset inside `${...}` (0 is the first character after `${`).
private func failure(_ expression: String, vars: [String: Value] = [:]) -> (offset: Int, message: String)? {
    do {
        _ = try evaluate(expression, vars: vars)
        return nil
    } catch {
        return (error.offset - 2, error.message)
    }
}

private let sampleVars: [String: Value] = [
    "m": .map(["a": .int(1), "b": .int(2)]),
    "n": .map(["b": .int(3), "c": .int(4)]),
    "nums": .list([.int(3), .int(-1), .int(7)]),
    "words": .list([.string("x"), .string("y")]),
    "nothing": .null,
]

@Suite struct ExpressionFunctionTests {
    /// The functions of format 1.1; each must appear in every table below.
    static let added: [Function] = [
        .format, .replace, .split, .trim, .contains, .startsWith, .endsWith, .keys, .values, .merge, .concat, .min,
        .max, .coalesce, .int, .string, .sha256, .base64, .lookup,
    ]

    static let valueCases: [(Function, String, String)] = [
        (.format, #"format("%s-%d of %s: 100%%", "eu", 7, true)"#, #""eu-7 of true: 100%""#),
        (.replace, #"replace("a.b.c", ".", "::")"#, #""a::b::c""#),
        (.split, #"split("a,b,,c", ",")"#, #"["a","b","","c"]"#),
        (.trim, #"trim("  x y \n")"#, #""x y""#),
        (.contains, #"[contains(words, "y"), contains(words, "z"), contains("haystack", "st"), contains(nums, 7)]"#, "[true,false,true,true]"),
        (.startsWith, #"[startsWith("import-eu", "import-"), startsWith("eu", "import-")]"#, "[true,false]"),
        (.endsWith, #"[endsWith("file.csv", ".csv"), endsWith("csv", "file.csv")]"#, "[true,false]"),
        (.keys, "keys(m)", #"["a","b"]"#),
        (.values, "values(m)", "[1,2]"),
        (.merge, "merge(m, n)", #"{"a":1,"b":3,"c":4}"#),
        (.concat, #"concat(words, ["z"], [])"#, #"["x","y","z"]"#),
        (.min, "[min(4, 2, 9), min(nums)]", "[2,-1]"),
        (.max, "[max(4, 2, 9), max(nums), max(5)]", "[9,7,5]"),
        (.coalesce, #"coalesce(nothing, env.BATCHCTL_NOT_SET, m.missing, "found", "later")"#, #""found""#),
        (.int, #"int("-42") + int(8)"#, "-34"),
        (.string, #"string(7) + string(true) + string("s")"#, #""7trues""#),
        (.sha256, #"sha256("abc")"#, #""ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad""#),
        (.base64, #"base64("user:pässword")"#, #""dXNlcjpww6Rzc3dvcmQ=""#),
        (.lookup, #"[lookup(m, "b", 0), lookup(m, "z", 0)]"#, "[2,0]"),
    ]

    static let wrongArguments: [(Function, String, String)] = [
        (.format, #"format("%d", "x")"#, "format() %d takes an integer, but argument 2 is a string"),
        (.replace, #"replace("abc", "", "x")"#, "replace() needs a text to find that is not empty"),
        (.split, #"split(words, ",")"#, "split() takes text as its first argument, not a list"),
        (.trim, "trim(5)", "trim() takes text as its argument, not an integer"),
        (.contains, "contains(m, 1)", "contains() looks in a list or a text, not a mapping"),
        (.startsWith, #"startsWith("a", 1)"#, "startsWith() takes text as its prefix, not an integer"),
        (.endsWith, #"endsWith(1, "a")"#, "endsWith() takes text as its first argument, not an integer"),
        (.keys, "keys(words)", "keys() takes a mapping first, not a list"),
        (.values, #"values("m")"#, "values() takes a mapping first, not a string"),
        (.merge, "merge(m, words)", "merge() takes mappings, not a list (argument 2)"),
        (.concat, "concat(words, m)", "concat() takes lists, not a mapping (argument 2)"),
        (.min, #"min(1, "2")"#, "min() compares integers (or takes one list of them), not a string"),
        (.max, "max([])", "max() of an empty list has no value"),
        (.coalesce, "coalesce(1)", "coalesce takes at least 2 arguments: coalesce(a, b, ...)"),
        (.int, #"int("12a")"#, "int() cannot read '12a' as a decimal integer"),
        (.string, "string(words)", "string() cannot make text of a list; use json() for it"),
        (.sha256, "sha256(1)", "sha256() takes text as its argument, not an integer"),
        (.base64, "base64(nothing)", "base64() takes text as its argument, not null"),
        (.lookup, #"lookup(m, 1, "x")"#, "lookup() takes text as its key, not an integer"),
    ]

    /// Each expression builds its result from a sensitive value; `shown` is the result in clear.
    static let sensitivity: [(Function, String, String)] = [
        (.format, #"format("u:%s", sensitive("pw"))"#, #""u:pw""#),
        (.replace, #"replace(sensitive("a-b"), "-", "+")"#, #""a+b""#),
        (.split, #"split(sensitive("a,b"), ",")"#, #"["a","b"]"#),
        (.trim, #"trim(sensitive(" pw "))"#, #""pw""#),
        (.contains, #"[contains(sensitive("secret"), "cr"), contains(["a", sensitive("b")], "b")]"#, "[true,true]"),
        (.startsWith, #"startsWith(sensitive("token-1"), "token")"#, "true"),
        (.endsWith, #"endsWith("abc", sensitive("c"))"#, "true"),
        (.keys, "keys(sensitive(m))", #"["a","b"]"#),
        (.values, "values(sensitive(m))", "[1,2]"),
        (.merge, "merge(m, sensitive(n))", #"{"a":1,"b":3,"c":4}"#),
        (.concat, "concat(sensitive(words), words)", #"["x","y","x","y"]"#),
        (.min, "min(5, sensitive(2))", "2"),
        (.max, "max([1, sensitive(9)])", "9"),
        (.coalesce, #"coalesce(sensitive(null), "fallback")"#, #""fallback""#),
        (.int, #"int(sensitive("12"))"#, "12"),
        (.string, "string(sensitive(12))", #""12""#),
        (.sha256, #"sha256(sensitive(""))"#, #""e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""#),
        (.base64, #"base64(sensitive("pw"))"#, #""cHc=""#),
        (.lookup, #"lookup(m, sensitive("z"), 0)"#, "0"),
    ]

    @Test func theTableKnowsWhichFormatAddedEachFunction() {
        #expect(Set(Function.allCases.filter { $0.since == .v1_1 }) == Set(Self.added))
        #expect(Function.allCases.filter { $0.since == .v1 }.map(\.rawValue) == ["upper", "lower", "pad", "range", "join", "default", "json", "len", "sensitive"])
        #expect(FormatVersion.v1 < .v1_1)
    }

    @Test func everyAddedFunctionIsInEveryTable() {
        for table in [Self.valueCases, Self.wrongArguments, Self.sensitivity] {
            #expect(Set(table.map(\.0.rawValue)) == Set(Self.added.map(\.rawValue)))
        }
        #expect(Self.added.allSatisfy { Function(rawValue: $0.rawValue) != nil })
    }

    @Test(arguments: valueCases)
    func value(_ function: Function, _ expression: String, _ expected: String) throws {
        let result = try evaluate(expression, vars: sampleVars)
        #expect(result.unwrapped.serialized() == expected, "\(function.rawValue)")
        #expect(!result.containsSensitive)
    }

    @Test(arguments: wrongArguments)
    func wrongArgument(_ function: Function, _ expression: String, _ message: String) throws {
        let error = try #require(failure(expression, vars: sampleVars), "\(expression) should fail")
        #expect(error.message.hasPrefix(message), "\(function.rawValue): \(error.message)")
        #expect(error.offset == 0, "the error points at the call")
    }

    @Test(arguments: sensitivity)
    func sensitiveInputGivesASensitiveResult(_ function: Function, _ expression: String, _ shown: String) throws {
        let result = try evaluate(expression, vars: sampleVars)
        #expect(result.unwrapped.serialized() == shown, "\(function.rawValue): sent in clear")
        #expect(result.containsSensitive, "\(function.rawValue): \(result.redacted.serialized())")
        #expect(result.redacted.serialized() != shown, "\(function.rawValue): shown redacted")
    }

    @Test func perTaskValuesTakeTheSamePath() throws {
        // Slots are not folded at compile time: the call is evaluated per task.
        let result = try evaluate(#"format("%s/%d", upper(r), len(split(r, "-")))"#, slots: ["r": .string("eu-west-1")])
        #expect(result == .string("EU-WEST-1/3"))
    }

    @Test func wrongCountsAndMisspeltNames() {
        #expect(failure(#"replace("a", "b")"#)?.message == "replace takes 3 arguments: replace(s, old, new)")
        #expect(failure("format()")?.message == "format takes at least 1 argument: format(fmt, args...)")
        #expect(failure(#"startswith("a", "b")"#)?.message == "unknown function 'startswith'; did you mean startsWith?")
        #expect(failure(#"coalese(1, 2)"#)?.message == "unknown function 'coalese'; did you mean coalesce?")
        #expect(failure(#"x + sha265("a")"#, vars: ["x": .string("")])?.offset == 4, "the offset is the misspelt call's")
    }

    @Test func formatChecksItsVerbsAndArguments() {
        #expect(failure(#"format("%s %s", "a")"#)?.message.hasPrefix("format() has more %s and %d than the 1 argument") == true)
        #expect(failure(#"format("%s", "a", "b")"#)?.message.hasPrefix("format() uses 1 of its 2 arguments") == true)
        #expect(failure(#"format("%x", 1)"#)?.message == "format() knows %s, %d and %%, not '%x'")
        #expect(failure(#"format("50%")"#)?.message == "format() string ends with a lone '%'; write %% for a percent sign")
        #expect(failure(#"format("%s", [1])"#)?.message.contains("pass it through json()") == true)
        #expect(failure(#"format("%s", nothing)"#, vars: sampleVars)?.message.contains("default(x, \"\")") == true)
    }

    @Test func errorsNeverShowASensitiveValue() {
        let error = failure(#"int(sensitive("hunter2"))"#)
        #expect(error?.message.contains("hunter2") == false)
        #expect(error?.message.contains("the sensitive text") == true)
        #expect(failure(#"{sensitive("k"): 1, sensitive("k"): 2}"#)?.message == "a sensitive key comes twice in the map")
    }

    @Test func sizesStayBounded() {
        let tooBig = "would make a value larger than 16 MiB, the limit on a value an expression makes"
        let big: [String: Value] = ["s": .string(String(repeating: "a", count: 2_000_000))]
        #expect(failure(#"replace(s, "a", "0123456789a")"#, vars: big)?.message == "replace() \(tooBig)")
        let list: [String: Value] = ["l": .list(Array(repeating: .int(1), count: 1_100_000))]
        #expect(failure("concat(l, l)", vars: list)?.message == "concat() \(tooBig)")
        let commas: [String: Value] = ["s": .string(String(repeating: ",", count: ValueSize.limit / ValueSize.bytesPerValue))]
        #expect(failure(#"split(s, ",")"#, vars: commas)?.message == "split() \(tooBig)")
        let long: [String: Value] = ["s": .string(String(repeating: "x", count: 9_000_000))]
        #expect(failure(#"format("%s%s", s, s)"#, vars: long)?.message == "format() \(tooBig)")
        #expect(failure("s + s", vars: long)?.message == "'+' \(tooBig)")
        let pair: [String: Value] = ["l": .list([long["s"] ?? .null, long["s"] ?? .null])]
        #expect(failure(#"join(l, "")"#, vars: pair)?.message == "join() \(tooBig)")
        #expect(failure("[s, s]", vars: long)?.message == "the list \(tooBig)")
        #expect(failure(#"{"a": s, "b": s}"#, vars: long)?.message == "the map \(tooBig)")
        #expect(failure(#"merge({"a": s}, {"b": s})"#, vars: long)?.message == "merge() \(tooBig)")
        #expect(failure("json(l)", vars: pair)?.message == "json() \(tooBig)")
        let third: [String: Value] = ["s": .string(String(repeating: "x", count: 13_000_000))]
        #expect(failure("base64(s)", vars: third)?.message == "base64() \(tooBig)")
        #expect(failure("range(0, 3000000)")?.message == "range(0, 3000000) \(tooBig)")
        // Escapes make JSON text longer than the value it is made of.
        let quotes: [String: Value] = ["s": .string(String(repeating: "\"", count: 9_000_000))]
        #expect(failure("json(s)", vars: quotes)?.message == "json() \(tooBig)")
        // Each piece checked is the size of the result, not of the arguments: a shared value counts every time.
        let shared: [String: Value] = ["s": .string(String(repeating: "x", count: 1_000_000))]
        #expect(failure("[s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s]", vars: shared)?.message == "the list \(tooBig)")
        #expect(failure("[s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s]", vars: shared) == nil)
    }

    @Test func literalsNestAtMostAsDeepAsYAML() {
        var deep = Value.int(1)
        for _ in 0..<999 { deep = .list([deep]) }
        #expect(failure("[d]", vars: ["d": deep]) == nil)
        #expect(failure("[[d]]", vars: ["d": deep])?.message == "the list would nest more than 1000 levels deep")
        #expect(failure(#"{"k": [d]}"#, vars: ["d": deep])?.message == "the map would nest more than 1000 levels deep")
    }

    @Test func searchesAreLinearAndExact() {
        #expect(Function.occurrences(of: Array("aab".utf8), in: Array("aaab aab".utf8)) == [1, 5])
        #expect(Function.occurrences(of: Array("aa".utf8), in: Array("aaaa".utf8)) == [0, 2], "no overlaps")
        #expect(Function.occurrences(of: Array("é".utf8), in: Array("café é".utf8)) == [3, 6])
    }

    @Test func listAndMapLiterals() throws {
        #expect(try evaluate(#"[1, "two", [true], {}]"#).unwrapped.serialized() == #"[1,"two",[true],{}]"#)
        #expect(try evaluate(#"{"k":1, "n": {"deep":[r]}, r: "v",}"#, slots: ["r": .string("x")]).unwrapped.serialized() == #"{"k":1,"n":{"deep":["x"]},"x":"v"}"#)
        #expect(try evaluate(#"{"a":1}.a + [5, 6][1]"#) == .int(7))
        #expect(try evaluate("len([])") == .int(0))
        #expect(try evaluate(#"{"a": c ? 1 : 2}"#, vars: ["c": .bool(false)]).unwrapped.serialized() == #"{"a":2}"#)
        #expect(failure(#"{1: "a"}"#)?.message == #"a map key must be text, not an integer; write "key":value"#)
        #expect(failure(#"{"a": 1, "a": 2}"#)?.message == "key 'a' comes twice in the map")
        #expect(failure(#"{"a" 1}"#)?.message.hasPrefix("expected ':' after the map key, found integer 1") == true)
        #expect(failure("[1, 2")?.message == "expected ',' or ']' in the list, found '}'")
        #expect(failure("[1 2]")?.message == "expected ',' or ']' in the list, found integer 2")
    }

    @Test func literalsKeepTheSensitivityOfWhatIsInThem() throws {
        let list = try evaluate(#"[sensitive("pw"), "open"]"#)
        #expect(list.redacted.serialized() == #"["(sensitive)","open"]"#)
        #expect(list.unwrapped.serialized() == #"["pw","open"]"#)
        let keyed = try evaluate(#"{sensitive("k"): 1}"#)
        #expect(keyed.redacted.serialized() == #""(sensitive)""#, "a sensitive key hides the whole map")
    }
}
