import JSON
import OrderedCollections
import Testing

@Suite struct ParserTests {
    private func error(_ text: String) -> JSONError? {
        do {
            _ = try JSONValue.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONValue.parse(#" {"a": [1, -2.5, true, false, null, "x"], "b": {}, "c": []} "#)
        #expect(v == ["a": [1, -2.5, true, false, .null, "x"], "b": [:], "c": []])
        #expect(v["a"]?[0]?.intValue == 1)
        #expect(v["a"]?[1]?.doubleValue == -2.5)
        #expect(v["a"]?[2]?.boolValue == true)
        #expect(v["a"]?[4]?.isNull == true)
        #expect(v["a"]?[5]?.stringValue == "x")
        #expect(v["b"]?.objectValue == [:])
        #expect(v["c"]?.arrayValue == [])
        #expect(v["missing"] == nil)
        #expect(v["a"]?[9] == nil)
    }

    @Test func keepsKeyOrderAndRefusesDuplicateKeys() throws {
        let v = try JSONValue.parse(#"{"z": 1, "a": 2}"#)
        #expect(v.objectValue.map { Array($0.keys) } == ["z", "a"])
        #expect(error(#"{"z": 1, "a": {"b": [], "b": 1}}"#)?.description == #"line 1, column 31: duplicate key "b" in the object that ends here"#)
        // The same name written with an escape is the same key.
        #expect(error(#"{"a": 1, "\u0061": 2}"#)?.message == #"duplicate key "a" in the object that ends here"#)
    }

    @Test func parsesBytesAndNonContiguousCollections() throws {
        #expect(try JSONValue.parse(Array("[1]".utf8)) == [1])
        #expect(try JSONValue.parse("[1]".utf8) == [1])
        #expect(try JSONValue.parse(Array("[1, 2]".utf8).lazy.map { $0 }) == [1, 2])
    }

    @Test func integersAndDoubles() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try JSONValue.parse("-9223372036854775809") == .double(-9223372036854775809.0))
        // "-0" has integer syntax and becomes .int(0); "-0.0" keeps its sign as a double.
        #expect(try JSONValue.parse("-0") == .int(0))
        let negativeZero = try JSONValue.parse("-0.0").doubleValue
        #expect(negativeZero == 0 && negativeZero?.sign == .minus)
        #expect(try JSONValue.parse("1.0") == .double(1))
        #expect(try JSONValue.parse("1e2") == .double(100))
        #expect(try JSONValue.parse("1E+2") == .double(100))
        #expect(try JSONValue.parse("25e-1") == .double(2.5))
        #expect(try JSONValue.parse("0.1") == .double(0.1))
        #expect(try JSONValue.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSONValue.parse("2.2250738585072014e-308") == .double(2.2250738585072014e-308))
        #expect(try JSONValue.parse("5e-324") == .double(.leastNonzeroMagnitude))
        #expect(try JSONValue.parse("0.30000000000000004") == .double(0.30000000000000004))
        #expect(try JSONValue.parse("1e-400") == .double(0))
        #expect(try JSONValue.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
    }

    @Test func numbersTooLargeForADoubleAreErrors() {
        // Our choice: infinity cannot be written back as JSON, so it is an error rather than a silent inf.
        #expect(error("1e400")?.message == "number 1e400 is out of range")
        #expect(error("[-1e999]")?.offset == 1)
    }

    @Test func rejectsMalformedNumbers() {
        #expect(error("01")?.message == "leading zeros are not allowed in numbers")
        #expect(error("-01") != nil)
        #expect(error("1.") != nil)
        #expect(error(".5") != nil)
        #expect(error("1e") != nil)
        #expect(error("+1") != nil)
        #expect(error("-") != nil)
        #expect(error("0x10") != nil)
        #expect(error("NaN") != nil)
        #expect(error("Infinity") != nil)
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONValue.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try JSONValue.parse(#""\u00e9\u0041\u20AC""#) == "éA€")
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONValue.parse(#""x\u0000y""#) == "x\u{0}y")
        #expect(try JSONValue.parse("\"ünïcødé 😀 \\n\"") == "ünïcødé 😀 \n")
    }

    @Test func rejectsBadStrings() {
        #expect(error("\"a\nb\"")?.message == "control character U+000A inside a string; write it as \\n")
        #expect(error("\"a\u{1}\"")?.message == "control character U+0001 inside a string")
        #expect(error(#""\x""#)?.message.hasPrefix("invalid escape '\\x'") == true)
        #expect(error(#""\u12""#) != nil)
        #expect(error(#""\uZZZZ""#) != nil)
        #expect(error(#""\ud83d""#)?.message.hasPrefix("unpaired surrogate") == true)
        #expect(error(#""\ud83d\u0041""#)?.message.hasPrefix("unpaired surrogate") == true)
        #expect(error(#""\ude00""#)?.message.hasPrefix("unpaired surrogate") == true)
        #expect(error(#""abc"#)?.message == "unterminated string")
        #expect(error("'a'")?.message == "strings must use double quotes")
    }

    @Test func rejectsInvalidUTF8() throws {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(throws: JSONError.self) { try JSONValue.parse([0x22] + bad + [0x22]) }
            #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0x5C, 0x6E] + bad + [0x22]) }
        }
        #expect(try JSONValue.parse([0x22, 0xE2, 0x82, 0xAC, 0x22]) == "€")
    }

    @Test func rejectsStructuralErrors() {
        #expect(error("")?.message == "unexpected end of input, expected a value")
        #expect(error("   ")?.message == "unexpected end of input, expected a value")
        #expect(error("[1,]")?.message == "expected a value, found ']'")
        #expect(error("[1 2]")?.message == "expected ',' or ']', found '2'")
        #expect(error(#"{"a" 1}"#)?.message == "expected ':' after the key, found '1'")
        #expect(error(#"{"a": 1,}"#)?.message == "expected a string key, found '}'")
        #expect(error("{a: 1}")?.message == "expected a string key or '}', found 'a'")
        #expect(error("[1")?.message == "unexpected end of input, expected ',' or ']'")
        #expect(error("1 2")?.message == "unexpected '2' after the JSON value")
        #expect(error("truex")?.message == "unexpected 'x' after the JSON value")
        #expect(error("tru")?.message == "expected a value, found 't'")
        #expect(error("nul") != nil)
        #expect(error("[] x") != nil)
    }

    @Test func errorPositionsAreLineAndColumn() {
        let e = error("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}")
        #expect(e?.line == 4)
        #expect(e?.column == 3)
        #expect(e?.offset == 23)
        #expect(e?.description == "line 4, column 3: expected ',' or '}', found '\"'")
        // Columns count characters, not bytes.
        let u = error("[\"éé\" x]")
        #expect(u?.column == 7)
        #expect(u?.offset == 8)
        #expect(error("[1,\n  ")?.line == 2)
        #expect(error("[1,\n  ")?.column == 3)
    }

    @Test func nestingLimit() throws {
        let limit = JSONValue.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        var v = try JSONValue.parse(deepest)
        var depth = 0
        while let inner = v.arrayValue {
            depth += 1
            v = inner.first ?? .null
        }
        #expect(depth == limit)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(error(tooDeep)?.message == "nesting deeper than 512 arrays and objects")
        #expect(error(tooDeep)?.offset == limit)
        // A hostile input far beyond the limit fails quickly instead of overflowing the stack.
        #expect(error(String(repeating: "{\"a\":", count: 100_000)) != nil)
        #expect(error(String(repeating: "[", count: 1_000_000)) != nil)
    }

    @Test func parseSequence() throws {
        #expect(try JSONValue.parseSequence(Array("".utf8)) == [])
        #expect(try JSONValue.parseSequence(Array(" \n ".utf8)) == [])
        #expect(try JSONValue.parseSequence(Array("1 \"a\"\n{\"b\": [2]}\n[]\nnull".utf8)) == [1, "a", ["b": [2]], [], .null])
        #expect(try JSONValue.parseSequence(Array("{}{}[]\"x\"\"y\"".utf8)) == [[:], [:], [], "x", "y"])
        #expect(throws: JSONError.self) { try JSONValue.parseSequence(Array("truefalse".utf8)) }
        #expect(throws: JSONError.self) { try JSONValue.parseSequence(Array("1[2]".utf8)) }
        #expect(throws: JSONError.self) { try JSONValue.parseSequence(Array("1 [2".utf8)) }
        #expect(try JSONValue.parseSequence("1 2") == [1, 2])
    }

    @Test func capturedMembersComeBackAsCompactTextAndTheTreeHoldsTheirIndex() throws {
        let text = """
            {"a": {"x": {"keep": [1, 2], "take": { "b" : [ true , null, -1.5e3, "s\\u00e9 \\"q\\"" ], "c": {} }},
                   "y": {"take": "plain"}},
             "take": {"not": "at depth 1"}}
            """
        let (value, captured) = try JSONValue.parse(Array(text.utf8), capturing: "take", atDepth: 3)
        #expect(captured.map { String(decoding: $0, as: UTF8.self) } == [
            #"{"b":[true,null,-1.5e3,"s\u00e9 \"q\""],"c":{}}"#, #""plain""#,
        ])
        #expect(value["a"]?["x"]?["take"] == .int(0))
        #expect(value["a"]?["y"]?["take"] == .int(1))
        #expect(value["a"]?["x"]?["keep"] == [1, 2])
        #expect(value["take"] == ["not": "at depth 1"])
        // The text parses to what a full parse builds.
        #expect(try JSONValue.parse(captured[0]) == JSONValue.parse(text)["a"]?["x"]?["take"])
    }

    @Test(arguments: [
        #"{"a": {"b": {"take": {"k": tru}}}}"#, #"{"a": {"b": {"take": {"k": "\x"}}}}"#,
        #"{"a": {"b": {"take": {"k" 1}}}}"#, #"{"a": {"b": {"take": [1,]}}}"#, #"{"a": {"b": {"take": {"k": 01}}}}"#,
        "{\"a\": {\"b\": {\"take\": \"\u{1}\"}}}", #"{"a": {"b": {"take": {"k": 1}"#,
        // Found by fuzz/ (FuzzJSON): a duplicate key inside a captured value was accepted.
        #"{"a": {"b": {"take": {"k": true, "k": ""}}}}"#, #"{"a": {"b": {"take": [{"x": {"k": 1, "\u006b": 2}}]}}}"#,
        // Names are equal as Strings are: the Kelvin sign is a K.
        "{\"a\": {\"b\": {\"take\": {\"K\": 1, \"\u{212A}\": 2}}}}",
        // A repeat among more names than a linear search takes, and one that repeats a name of the set's first ones.
        "{\"a\": {\"b\": {\"take\": {" + (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + ", \"k39\": 0}}}}",
        "{\"a\": {\"b\": {\"take\": {" + (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + ", \"k\\u0030\": 0}}}}",
    ])
    func capturedValuesAreCheckedLikeAnyOther(text: String) {
        var full: JSONError?
        var captured: JSONError?
        do { _ = try JSONValue.parse(text) } catch { full = error }
        do { _ = try JSONValue.parse(Array(text.utf8), capturing: "take", atDepth: 3) } catch { captured = error }
        #expect(full != nil)
        #expect(captured?.description == full?.description)
    }

    @Test func namesRepeatedOnlyAcrossObjectsAreNoDuplicates() throws {
        let many = (0..<40).map { "\"k\($0)\": {\"k\($0)\": [{\"k0\": 1, \"k1\": 2}]}" }.joined(separator: ", ")
        let text = #"{"a": {"b": {"take": {"k": {"k": 1, "j": {"k": 2}}, "j": 3, "big": {"# + many + "}}}}}"
        let (_, captured) = try JSONValue.parse(Array(text.utf8), capturing: "take", atDepth: 3)
        #expect(try JSONValue.parse(captured[0]) == JSONValue.parse(text)["a"]?["b"]?["take"])
    }
}
