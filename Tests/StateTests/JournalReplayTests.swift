import JSON
import State
import Testing

@Suite struct JournalReplayTests {
    @Test func outcomesFoldIntoTheStateAndOpenIntentsAreReturned() {
        var state = State.new(endpoint: "e")
        state.tasks["nightly/b"] = entry(686)
        state.tasks["nightly/c"] = entry(687)
        state.tasks["nightly/d"] = entry(688)
        state.tasks["nightly/f"] = entry(689)
        let unresolved = JournalReplay.apply(JournalTests.records, to: &state)

        #expect(state.tasks["nightly/a"] == entry(685))
        #expect(state.tasks["nightly/b"] == entry(686, name: "new\nline"))
        #expect(state.tasks["nightly/c"] == nil)
        #expect(state.tasks["nightly/d"] == nil)
        #expect(state.tasks["daily/d"] == entry(688))
        #expect(state.tasks["nightly/e"] == nil)
        #expect(state.tasks["nightly/f"] == nil)
        #expect(state.tasks.count == 3)
        #expect(state.serial == 0)
        #expect(unresolved == [
            UnresolvedIntent(sequence: 7, action: .import, address: "nightly/g", id: 690, fingerprint: nil, at: "2026-11-29T07:00:06Z"),
        ])
    }

    @Test func intentsWithoutOutcomesComeBackInSequenceOrder() {
        var state = State.new(endpoint: "e")
        let records: [JournalRecord] = [
            .intent(sequence: 3, action: .create, address: "s/c", id: nil, fingerprint: "f3", at: "t3"),
            .intent(sequence: 1, action: .create, address: "s/a", id: nil, fingerprint: "f1", at: "t1"),
            .intent(sequence: 2, action: .delete, address: "s/b", id: 9, fingerprint: nil, at: "t2"),
            .outcome(sequence: 2, address: "s/b", result: .deleted),
            // Another task's outcome under a reused sequence does not answer the create of s/c.
            .outcome(sequence: 3, address: "s/other", result: .failed("x")),
        ]
        let unresolved = JournalReplay.apply(records, to: &state)
        #expect(unresolved.map(\.sequence) == [1, 3])
        #expect(unresolved.first?.fingerprint == "f1")
        #expect(unresolved.first?.at == "t1")
    }

    @Test func replayingTwiceOrOntoAPartlySavedStateGivesTheSameState() {
        var once = State.new(endpoint: "e")
        once.tasks["nightly/d"] = entry(688)
        var twice = once
        _ = JournalReplay.apply(JournalTests.records, to: &once)
        _ = JournalReplay.apply(JournalTests.records, to: &twice)
        _ = JournalReplay.apply(JournalTests.records, to: &twice)
        #expect(once == twice)

        // A state saved after the first four records, then the whole journal replayed onto it.
        var partial = State.new(endpoint: "e")
        partial.tasks["nightly/d"] = entry(688)
        _ = JournalReplay.apply(Array(JournalTests.records.prefix(8)), to: &partial)
        var full = partial
        full.lineage = once.lineage
        _ = JournalReplay.apply(JournalTests.records, to: &full)
        #expect(full == once)
    }
}
