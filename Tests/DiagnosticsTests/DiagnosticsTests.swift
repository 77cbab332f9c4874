import Testing
@testable import Diagnostics

@Suite struct DiagnosticsTests {
    @Test func rendersLikeACompiler() {
        let d = Diagnostic.error(SourceLocation(file: "a.yaml", line: 3, column: 7), "unknown field", notes: ["defined here"])
        #expect(d.description == "a.yaml:3:7: error: unknown field\n    note: defined here")
        #expect(Diagnostic.warning(nil, "x").description == "warning: x")
    }

    @Test func aNamedPlaceIsShownByItsName() {
        let flag = Diagnostic.error(.named("--var shards"), "input shards is an integer")
        #expect(flag.description == "--var shards: error: input shards is an integer")
        #expect(SourceLocation.named("BATCHCTL_VAR_x").isNamedPlace)
        // A position-less placeholder with no name is still a position.
        #expect(SourceLocation(file: "", line: 0, column: 0).description == ":0:0")
    }

    @Test func sortsByPosition() {
        let a = Diagnostic.error(SourceLocation(file: "b.yaml", line: 1, column: 1), "b")
        let b = Diagnostic.error(SourceLocation(file: "a.yaml", line: 9, column: 1), "a9")
        let c = Diagnostic.error(SourceLocation(file: "a.yaml", line: 2, column: 5), "a2")
        #expect([a, b, c].sortedByLocation().map(\.message) == ["a2", "a9", "b"])
    }

    @Test func suggestsCloseNames() {
        let fields = ["Name", "Description", "DetailsTable", "DetailsRecord", "State"]
        #expect(Suggestion.closest(to: "Descripton", in: fields) == "Description")
        #expect(Suggestion.closest(to: "name", in: fields) == "Name")
        #expect(Suggestion.closest(to: "Stat", in: fields) == "State")
        #expect(Suggestion.closest(to: "Zebra", in: fields) == nil)
        #expect(Suggestion.editDistance("ab", "ba") == 1)
    }
}
