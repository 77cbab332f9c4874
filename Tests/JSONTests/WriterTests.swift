import JSON
import OrderedCollections
import Testing

@Suite struct WriterTests {
    @Test func compactByDefault() {
        let v: JSONValue = ["b": [1, 2.5, true, .null], "a": "x", "e": [:], "f": []]
        #expect(v.serialized() == #"{"b":[1,2.5,true,null],"a":"x","e":{},"f":[]}"#)
        #expect(v.description == v.serialized())
    }

    @Test func prettyIsTwoSpaceIndented() {
        let v: JSONValue = ["b": [1, ["c": "d"]], "a": [:], "e": [], "f": [[]]]
        let expected = """
            {
              "b": [
                1,
                {
                  "c": "d"
                }
              ],
              "a": {},
              "e": [],
              "f": [
                []
              ]
            }
            """
        #expect(v.serialized(pretty: true) == expected)
        #expect(JSONValue.int(3).serialized(pretty: true) == "3")
        #expect(JSONValue.array([]).serialized(pretty: true) == "[]")
    }

    @Test func sortedKeysByUTF8BytesRecursively() {
        let v: JSONValue = ["b": ["z": 1, "y": 2], "a": [["d": 1, "c": 2]], "B": 0, "é": 0, "_": 0]
        #expect(v.serialized(sortedKeys: true) == #"{"B":0,"_":0,"a":[{"c":2,"d":1}],"b":{"y":2,"z":1},"é":0}"#)
        // Already in order at the top, out of order inside, and keys that are prefixes of each other.
        let w: JSONValue = ["a": ["ab": 1, "a": 2, "é": 3, "z": 4], "ab": 0, "b": ["x": 1, "y": 2]]
        #expect(w.serialized(sortedKeys: true) == #"{"a":{"a":2,"ab":1,"z":4,"é":3},"ab":0,"b":{"x":1,"y":2}}"#)
        #expect(utf8Precedes("a", "ab") && !utf8Precedes("ab", "a") && !utf8Precedes("a", "a") && utf8Precedes("z", "é"))
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let v = JSONValue.string("q\"b\\s/\n\t\r\u{8}\u{C}\u{0}\u{1F}\u{7F}é😀")
        #expect(v.serialized() == "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0000\\u001f\u{7F}é😀\"")
        #expect(JSONValue.object(["k\"\n": 1]).serialized() == #"{"k\"\n":1}"#)
    }

    @Test func numbers() {
        #expect(JSONValue.int(.max).serialized() == "9223372036854775807")
        #expect(JSONValue.int(.min).serialized() == "-9223372036854775808")
        #expect(JSONValue.int(0).serialized() == "0")
        #expect(JSONValue.int(-7).serialized() == "-7")
        #expect(JSONValue.int(10).serialized() == "10")
        #expect(JSONValue.double(1).serialized() == "1.0")
        #expect(JSONValue.double(-0.0).serialized() == "-0.0")
        #expect(JSONValue.double(0.1).serialized() == "0.1")
        #expect(JSONValue.double(1e300).serialized() == "1e+300")
        #expect(JSONValue.double(.infinity).serialized() == "null")
        #expect(JSONValue.double(.nan).serialized() == "null")
    }

    @Test func roundTrips() throws {
        let samples: [JSONValue] = [
            .null, true, false, 0, -1, .int(.max), .int(.min), 1.5, -0.0, 1e-7, .double(.leastNonzeroMagnitude), .double(.greatestFiniteMagnitude),
            0.30000000000000004, 123456.0, 1e22, 1e23, "", "plain", "\u{0}\u{1}\u{1F}\"\\/", "ünïcødé 😀 \u{2028}",
            [1, [2, [3, [:]]]],
            ["Id": 1, "Name": "x", "ParameterObject": ["nested": [true, .null]], "": "empty key"],
        ]
        for v in samples {
            for pretty in [false, true] {
                let text = v.serialized(pretty: pretty)
                let back = try JSONValue.parse(text)
                #expect(back == v, "\(text)")
                // Doubles stay doubles and integers stay integers across a round trip.
                #expect(back.serialized(pretty: pretty) == text)
            }
        }
    }

    @Test func streamsATopLevelArray() {
        for pretty in [false, true] {
            var w = JSONWriter(pretty: pretty)
            w.beginArray()
            for i in 0..<3 { w.write(["Id": .int(Int64(i))]) }
            w.beginObject()
            w.writeKey("k")
            w.writeString("v")
            w.writeKey("n")
            w.writeInt(-5)
            w.writeKey("b")
            w.writeBool(false)
            w.writeKey("z")
            w.writeNull()
            w.writeKey("list")
            w.beginArray()
            w.endArray()
            w.endObject()
            w.endArray()
            #expect(w.depth == 0)
            let expected: JSONValue = [["Id": 0], ["Id": 1], ["Id": 2], ["k": "v", "n": -5, "b": false, "z": .null, "list": []]]
            #expect(w.text == expected.serialized(pretty: pretty))
        }
    }

    @Test func streamingEmptyContainersAndFlushing() {
        var w = JSONWriter(pretty: true)
        w.beginArray()
        w.endArray()
        #expect(w.text == "[]")

        var f = JSONWriter()
        var flushed: [UInt8] = []
        f.beginArray()
        for i in 0..<5 {
            f.write(.int(Int64(i)))
            flushed += f.bytes
            f.bytes.removeAll(keepingCapacity: true)
        }
        f.endArray()
        flushed += f.bytes
        #expect(String(decoding: flushed, as: UTF8.self) == "[0,1,2,3,4]")
    }

    @Test func topLevelValuesAreNewlineSeparated() throws {
        var w = JSONWriter()
        w.write(["a": 1])
        w.write([2])
        w.writeString("s")
        #expect(w.text == "{\"a\":1}\n[2]\n\"s\"")
        #expect(try JSONValue.parseSequence(w.bytes) == [["a": 1], [2], "s"])
    }

    @Test func bigOutputIsFast() throws {
        let task: JSONValue = ["Id": 12345, "Name": "import customers", "State": "Succeeded", "ProgressPercent": 100,
                               "Created": "2018-06-01T14:34:02.7132229+02:00", "ParameterObject": ["file": "a/b.csv", "rows": 10]]
        var w = JSONWriter(pretty: true)
        w.beginArray()
        for _ in 0..<10_000 { w.write(task) }
        w.endArray()
        let parsed = try JSONValue.parse(w.bytes)
        #expect(parsed.arrayValue?.count == 10_000)
        #expect(parsed[9_999] == task)
    }

    @Test func inlineAndCompactValuesStayOnOneLineInAPrettyWriter() {
        var writer = JSONWriter(pretty: true, sortedKeys: true)
        writer.beginObject()
        writer.writeKey("a")
        writer.writeInline(["z": [1, 2], "b": [:]])
        writer.writeKey("c")
        writer.writeCompact(Array(#"{"y":1,"x":"{,}"}"#.utf8))
        writer.endObject()
        #expect(writer.text == "{\n  \"a\": {\"b\":{},\"z\":[1,2]},\n  \"c\": {\"y\":1,\"x\":\"{,}\"}\n}")
    }
}
