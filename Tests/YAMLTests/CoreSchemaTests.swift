import Diagnostics
import Testing
import YAML

/// The YAML 1.2 core schema for plain scalars, and explicit `!!` tags.
@Suite struct CoreSchemaTests {
    static let table: [(String, ScalarValue)] = [
        ("null", .null), ("Null", .null), ("NULL", .null), ("~", .null), ("", .null),
        ("nULL", .string("nULL")), ("none", .string("none")),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)),
        ("false", .bool(false)), ("False", .bool(false)), ("FALSE", .bool(false)),
        ("tRUE", .string("tRUE")), ("yes", .string("yes")), ("no", .string("no")), ("NO", .string("NO")),
        ("on", .string("on")), ("off", .string("off")), ("y", .string("y")),
        ("0", .int(0)), ("7", .int(7)), ("-12", .int(-12)), ("+12", .int(12)), ("007", .int(7)),
        ("0o17", .int(15)), ("0x1F", .int(31)), ("0xff", .int(255)),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .float(9_223_372_036_854_775_808)),
        ("0xFFFFFFFFFFFFFFFF", .float(18_446_744_073_709_551_616)),
        ("0b101", .string("0b101")), ("1_000", .string("1_000")), ("0o", .string("0o")), ("0x", .string("0x")),
        ("0o8", .string("0o8")), ("0xG", .string("0xG")), ("-0x1", .string("-0x1")), ("+0o7", .string("+0o7")),
        ("1.5", .float(1.5)), ("-1.5", .float(-1.5)), (".5", .float(0.5)), ("+.5", .float(0.5)), ("1.", .float(1)),
        ("1e3", .float(1000)), ("-1E-3", .float(-0.001)), ("2.5e+2", .float(250)), ("1.0", .float(1)),
        (".inf", .float(.infinity)), ("+.Inf", .float(.infinity)), ("-.INF", .float(-.infinity)),
        ("1.5e", .string("1.5e")), (".", .string(".")), ("e3", .string("e3")), ("1.2.3", .string("1.2.3")),
        ("+", .string("+")), ("-x", .string("-x")), (".e3", .string(".e3")), ("-.nan", .string("-.nan")),
        (".infinity", .string(".infinity")), ("1 2", .string("1 2")), ("12:30", .string("12:30")),
        ("2024-01-01", .string("2024-01-01")), ("0.1.2", .string("0.1.2")),
    ]

    @Test func plainScalarsFollowTheCoreSchema() throws {
        for (text, expected) in Self.table {
            let value = try root("v: \(text)\n")["v"]?.value
            #expect(value == expected, "\(text)")
        }
        for nan in [".nan", ".NaN", ".NAN"] {
            guard case .float(let value)? = try root("v: \(nan)")["v"]?.value else {
                Issue.record("\(nan) is not a float")
                continue
            }
            #expect(value.isNaN)
        }
    }

    @Test func quotedAndBlockScalarsAreStrings() throws {
        let doc = try root("a: \"1\"\nb: 'null'\nc: |\n  true\n")
        #expect(doc["a"]?.value == .string("1"))
        #expect(doc["b"]?.value == .string("null"))
        #expect(doc["c"]?.value == .string("true\n"))
    }

    @Test func explicitTagsAreHonoured() throws {
        let doc = try root("""
            s: !!str 12
            i: !!int "42"
            h: !!int 0x10
            f: !!float 1
            b: !!bool 'false'
            n: !!null ""
            local: !foo 12
            bang: ! 12
            bin: !!binary aGk=
            """)
        #expect(doc["s"]?.value == .string("12"))
        #expect(doc["s"]?.tag == "tag:yaml.org,2002:str")
        #expect(doc["i"]?.value == .int(42))
        #expect(doc["h"]?.value == .int(16))
        #expect(doc["f"]?.value == .float(1))
        #expect(doc["b"]?.value == .bool(false))
        #expect(doc["n"]?.value == .null)
        #expect(doc["local"]?.value == .string("12"))
        #expect(doc["local"]?.tag == "!foo")
        #expect(doc["bang"]?.value == .string("12"))
        #expect(doc["bang"]?.tag == "!")
        #expect(doc["bin"]?.value == .string("aGk="))
        #expect(doc["bin"]?.tag == "tag:yaml.org,2002:binary")
    }

    @Test func badTaggedValuesAreErrorsAtTheNode() {
        #expect(failure("a: 1\nb: !!int abc\n")
            == "t.yaml:2:4: error: 'abc' is not a valid !!int: !!int expects a decimal, 0o octal or 0x hexadecimal integer that fits in 64 bits")
        #expect(failure("b: !!int 99999999999999999999\n")?.hasPrefix("t.yaml:1:4: error: '99999999999999999999' is not a valid !!int") == true)
        #expect(failure("b: !!bool yes\n")?.hasPrefix("t.yaml:1:4: error: 'yes' is not a valid !!bool") == true)
        #expect(failure("b: !!float x\n")?.hasPrefix("t.yaml:1:4: error: 'x' is not a valid !!float") == true)
        #expect(failure("b: !!null 0\n")?.hasPrefix("t.yaml:1:4: error: '0' is not a valid !!null") == true)
    }
}
