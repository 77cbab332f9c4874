import Diagnostics
import Testing
import YAML

/// Anchors and aliases (with the expansion bound), merge keys and duplicate keys.
@Suite struct AnchorsAndKeysTests {
    @Test func aliasesCopyTheAnchoredNode() throws {
        let doc = try root("base: &b {x: 1, y: [a, b]}\ncopy: *b\nscalar: &s hello\nagain: *s\n")
        #expect(doc["copy"]?.keys == ["x", "y"])
        #expect(doc["copy"]?["y"]?.sequence?.count == 2)
        #expect(doc["again"]?.string == "hello")
        // The alias node is where the alias is written; its children stay where they were defined.
        #expect(doc["copy"]?.position == "2:7")
        #expect(doc["copy"]?["x"]?.position == "1:14")
    }

    @Test func undefinedAliasIsAnErrorAtTheAlias() {
        #expect(failure("a: &base 1\nb: *bsae\n")
            == "t.yaml:2:4: error: undefined alias *bsae; an anchor &bsae must come earlier in the same document; did you mean base?")
        #expect(failure("--- &a 1\n--- *a\n")?.hasPrefix("t.yaml:2:5: error: undefined alias *a") == true)
        #expect(failure("a: &r [1, *r]\n")
            == "t.yaml:1:11: error: alias *r refers to a node that contains it; recursive structures are not supported")
    }

    @Test func billionLaughsFailsFastWithAPosition() throws {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        let start = clock.now
        let message = failure(text)
        let elapsed = clock.now - start
        let error = try #require(message)
        #expect(error.hasPrefix("t.yaml:7:"))
        #expect(error.contains("past 1000000 nodes"))
        #expect(error.contains("billion laughs"))
        #expect(elapsed < .seconds(10), "refused without expanding: expanding would take hours, not seconds")
    }

    @Test func aliasBoundIsConfigurable() {
        let text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
        #expect(failure(text, options: LoaderOptions(maxAliasNodes: 12)) == nil)
        #expect(failure(text, options: LoaderOptions(maxAliasNodes: 11))?.hasPrefix("t.yaml:2:13: error: alias *a expands") == true)
    }

    @Test func anAliasBringsTheDepthOfItsNode() {
        // x0's sequences sit at levels 2 to 999, x1's at 2 to 1000: both fine. Copying x1 into a sequence puts
        // its deepest one at level 1001.
        let deep = "x0: &x0 " + String(repeating: "[", count: 998) + String(repeating: "]", count: 998) + "\nx1: &x1 [*x0]\n"
        #expect(failure(deep) == nil)
        #expect(failure(deep + "x2: [*x1]\n")
            == "t.yaml:3:6: error: alias *x1 nests collections 1001 levels deep, more than 1000")
        #expect(failure(deep + "x2: *x1\n") == nil, "in place of a scalar it stays at level 1000")
    }

    @Test func aChainOfAliasesCannotBuildADeepTree() {
        // Each line is a few bytes and one level deeper than the line before; the expansion bound alone would let
        // the tree grow to 1,414 levels before the copies pass a million nodes.
        var text = "x0: &x0 []\n"
        for level in 1..<100_000 { text += "x\(level): &x\(level) [*x\(level - 1)]\n" }
        #expect(failure(text)
            == "t.yaml:1000:14: error: alias *x998 nests collections 1001 levels deep, more than 1000")
    }

    @Test func mergedPairsTakeTheLevelOfTheMappingTheyJoin() {
        // The pairs of a merged mapping become pairs of the mapping that merges it, one level up from where the
        // copied mapping would be (two from a merge list): a chain of merges stays as deep as its first mapping.
        var text = "m0: &m0 {v: " + String(repeating: "[", count: 998) + String(repeating: "]", count: 998) + "}\n"
        for level in 1...20 { text += "m\(level): &m\(level) {<<: *m\(level - 1), k\(level): \(level)}\n" }
        text += "l: {<<: [*m20], extra: 1}\n"
        #expect(failure(text) == nil)
        #expect(failure(text + "n: {a: {<<: *m20}}\n")
            == "t.yaml:23:13: error: alias *m20 nests collections 1001 levels deep, more than 1000")
    }

    @Test func mergeKeyTakesMissingKeysInPlace() throws {
        let doc = try root("""
            base: &base {a: 1, b: 2}
            d: {<<: *base, b: 3, c: 4}
            e: {c: 4, <<: *base, a: 0}
            """)
        #expect(doc["d"]?.keys == ["a", "b", "c"])
        #expect(doc["d"]?["b"]?.value == .int(3))
        #expect(doc["d"]?["a"]?.value == .int(1))
        #expect(doc["e"]?.keys == ["c", "b", "a"])
        #expect(doc["e"]?["a"]?.value == .int(0))
    }

    @Test func mergeListEarlierMapsWin() throws {
        let doc = try root("""
            x: &x {a: 1, b: 1}
            y: &y {a: 2, c: 2}
            m:
              <<: [*x, *y, {d: 3}]
              b: 9
            """)
        let m = try #require(doc["m"])
        #expect(m.keys == ["a", "c", "d", "b"])
        #expect(m["a"]?.value == .int(1))
        #expect(m["b"]?.value == .int(9))
        #expect(m["c"]?.value == .int(2))
    }

    @Test func mergeOfANonMappingIsAnError() {
        #expect(failure("a: {<<: 1}\n")
            == "t.yaml:1:9: error: the merge key `<<` needs a mapping or a list of mappings (such as *base or [*a, *b]), found an integer")
        #expect(failure("x: &x {a: 1}\na: {<<: [*x, [1]]}\n")
            == "t.yaml:2:14: error: each entry of a `<<` merge list must be a mapping (such as *base), found a sequence")
        #expect(failure("x: &x {a: 1}\na: {<<: *x, <<: *x}\n")?.hasPrefix("t.yaml:2:13: error: this mapping already has a merge key") == true)
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let doc = try root("\"<<\": 1\n")
        #expect(doc.keys == ["<<"])
    }

    @Test func duplicateKeysNameBothPositions() {
        #expect(failure("a: 1\nb: 2\na: 3\n")
            == "t.yaml:3:1: error: duplicate key 'a' in this mapping\n    note: 'a' is first defined at t.yaml:1:1")
        // Keys are compared by resolved value: 1 and 0x1 clash, 1 and "1" do not.
        #expect(failure("1: a\n0x1: b\n")?.hasPrefix("t.yaml:2:1: error: duplicate key '0x1'") == true)
        #expect(failure("1: a\n\"1\": b\n") == nil)
        #expect(failure("outer:\n  inner: {k: 1, k: 2}\n")?.hasPrefix("t.yaml:2:17: error: duplicate key 'k'") == true)
    }

    @Test func duplicateKeysInLargeMappings() {
        let keys = (0..<20).map { "k\($0): \($0)" }.joined(separator: "\n")
        #expect(failure(keys + "\n") == nil)
        #expect(failure(keys + "\nk7: again\n")
            == "t.yaml:21:1: error: duplicate key 'k7' in this mapping\n    note: 'k7' is first defined at t.yaml:8:1")
    }
}
