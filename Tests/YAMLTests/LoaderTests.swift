import Diagnostics
import Testing
import YAML

/// Positions, styles, documents and libyaml's own errors.
@Suite struct LoaderTests {
    @Test func positionsAreOneBasedAndCountCharacters() throws {
        let doc = try root("a: 1\nlist:\n  - x\n  - {k: v}\n😀😀: y\n")
        #expect(doc.position == "1:1")
        #expect(doc["a"]?.position == "1:4")
        #expect(doc["list"]?.position == "3:3")
        #expect(doc["list"]?.sequence?[0].position == "3:5")
        let flow = try #require(doc["list"]?.sequence?[1])
        #expect(flow.position == "4:5")
        #expect(flow.mappingPairs?[0].key.position == "4:6")
        #expect(flow["k"]?.position == "4:9")
        // Columns count characters, so the value after two emoji is at column 5, not at byte 10.
        let emoji = try #require(doc.mappingPairs?.last)
        #expect(emoji.key.position == "5:1")
        #expect(emoji.value.position == "5:5")
        #expect(emoji.value.location.description == "t.yaml:5:5")
    }

    @Test func stylesAreKept() throws {
        let doc = try root("p: true\nd: \"true\"\ns: 'x'\nl: |\n  a\n  b\nf: >\n  a\n  b\n")
        #expect(doc["p"]?.scalar == Scalar(text: "true", style: .plain, value: .bool(true)))
        #expect(doc["d"]?.scalar == Scalar(text: "true", style: .doubleQuoted, value: .string("true")))
        #expect(doc["s"]?.scalar == Scalar(text: "x", style: .singleQuoted, value: .string("x")))
        #expect(doc["l"]?.scalar == Scalar(text: "a\nb\n", style: .literal, value: .string("a\nb\n")))
        #expect(doc["f"]?.scalar == Scalar(text: "a b\n", style: .folded, value: .string("a b\n")))
        #expect(doc["d"]?.tag == nil)
    }

    @Test func emptyInputHasNoDocuments() throws {
        #expect(try documents("").isEmpty)
        #expect(try documents("# only a comment\n").isEmpty)
        #expect(try documents("   \n\n").isEmpty)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let empty = try dir.write("empty.yaml", "")
        #expect(try Loader().load(file: empty).documents.isEmpty)
    }

    @Test func multipleDocuments() throws {
        let docs = try documents("--- 1\n--- {a: b}\n---\n...\n--- [x]\n")
        #expect(docs.count == 4)
        #expect(docs[0].value == .int(1))
        #expect(docs[1]["a"]?.string == "b")
        #expect(docs[2].isNull)
        #expect(docs[3].sequence?.count == 1)
        #expect(docs[3].position == "5:5")
    }

    @Test func libyamlErrorsArePositioned() {
        #expect(failure("a: b: c\n") == "t.yaml:1:5: error: mapping values are not allowed in this context")
        #expect(failure("a: [1, 2\nb: 3\n")
            == "t.yaml:2:2: error: did not find expected ',' or ']' (while parsing a flow sequence that started at t.yaml:1:4)")
        #expect(failure("a:\n  b: 1\n c: 2\n")
            == "t.yaml:3:2: error: did not find expected key (while parsing a block mapping that started at t.yaml:1:1)")
    }

    @Test func invalidUTF8IsAnErrorAtItsPosition() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("bad.yaml", bytes: Array("a: 1\nbé: \u{FF}".utf8.prefix(9)) + [0xFF, 0x0A])
        #expect(throws: Diagnostic.self) { try Loader().load(file: path) }
        do {
            _ = try Loader().load(file: path)
        } catch {
            #expect(error.description.hasPrefix("\(path):2:4: error: invalid leading UTF-8 octet (byte 0xFF)"))
        }
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(failure(deep) == "t.yaml:1:1001: error: collections nested more than 1000 levels deep")
        let fine = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(failure(fine) == nil)
    }

    @Test func missingTopLevelFileSaysWhy() {
        #expect(throws: Diagnostic.error(nil, "cannot read /nonexistent/x.yaml: No such file or directory")) {
            try Loader().load(file: "/nonexistent/x.yaml")
        }
    }

    @Test func subscriptFindsTheFirstScalarKey() throws {
        let doc = try root("a: 1\nb: {c: 2}\n")
        #expect(doc["b"]?["c"]?.value == .int(2))
        #expect(doc["missing"] == nil)
        #expect(doc.pair(forKey: "b")?.key.position == "2:1")
        #expect(doc["a"]?["x"] == nil)
        #expect(doc.kindName == "a mapping")
    }
}
