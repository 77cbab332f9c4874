import JSON
import Testing
@testable import State

/// Pending runs and run contexts in the state file, the entry codec and the journal.
@Suite struct PendingRunRecordTests {
    private let waiting = PendingRun(slot: "2026-12-02T01:00:00Z", waitsFor: ["dag/a"], since: "2026-12-02T01:00:04Z", start: .run)
    private let byHand = PendingRun(slot: nil, waitsFor: ["dag/a", "dag/c"], since: "2026-12-02T09:30:00Z", start: .create)

    private func entryWithContext(slot: String = "2026-12-02T01:00:00Z") -> StateEntry {
        var entry = entry(9)
        entry.slot = slot
        entry.attempt = 2
        entry.runContext = RunContext(slot: "2026-12-02T02:00:00+01:00", previousSlot: "2026-12-01T02:00:00+01:00",
                                      lastSucceededSlot: nil, attempt: 2)
        return entry
    }

    @Test func pendingRunsAreWrittenSortedOneLineEachAndReadBackTheSame() throws {
        var state = State(lineage: "l", serial: 3, endpoint: "e")
        state.pending["dag/b"] = [waiting, byHand]
        state.pending["dag/a-first"] = [byHand]
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains("""
              "lineage": "l",
              "pending": {
                "dag/a-first": [
                  {"since":"2026-12-02T09:30:00Z","start":"create","waitsFor":["dag/a","dag/c"]}
                ],
                "dag/b": [
                  {"since":"2026-12-02T01:00:04Z","slot":"2026-12-02T01:00:00Z","start":"run","waitsFor":["dag/a"]},
                  {"since":"2026-12-02T09:30:00Z","start":"create","waitsFor":["dag/a","dag/c"]}
                ]
              },
              "serial": 3,
            """), "\(text)")
        let back = try State.decode(state.encoded(), path: "s")
        #expect(back.pending == state.pending)
        #expect(back == state)
        // None: the member is not written, and a file without it reads as before.
        #expect(!String(decoding: State(lineage: "l", serial: 1, endpoint: "e").encoded(), as: UTF8.self).contains("pending"))
    }

    @Test(arguments: [
        (#""pending": []"#, "pending: expected an object, got an array"),
        (#""pending": {"dag/b": {}}"#, #"pending."dag/b": expected an array, got an object"#),
        (#""pending": {"dag/b": []}"#, #"pending."dag/b": is empty"#),
        (#""pending": {"dag/b": [{"since": "t", "start": "later", "waitsFor": []}]}"#, #"pending."dag/b".0.start: 'later' is not one of create, replace, run"#),
        (#""pending": {"dag/b": [{"since": "t", "start": "run"}]}"#, #"pending."dag/b".0.waitsFor: expected an array"#),
        (#""pending": {"dag/b": [{"since": "t", "start": "run", "waitsFor": [1]}]}"#, #"pending."dag/b".0.waitsFor.0: expected a string"#),
        (#""pending": {"dag/b": [{"since": "t", "start": "run", "waitsFor": [], "colour": 1}]}"#, #"pending."dag/b".0: unknown member "colour""#),
        (#""pending": {"dag/b": [{"start": "run", "waitsFor": []}]}"#, #"member "since" is missing"#),
    ])
    func aMalformedPendingMemberIsRefusedNamingTheFileAndPath(member: String, problem: String) {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {}, "# + member + "}"
        let error = stateError { try State.decode(Array(text.utf8), path: "states/prod.json") }
        #expect(error?.message.contains("states/prod.json") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
    }

    @Test func aRunContextIsWrittenWithItsEntryOnlyWhenSet() throws {
        var state = State(lineage: "l", serial: 3, endpoint: "e")
        state.tasks["dag/a"] = entryWithContext()
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains(#""run": {"attempt":2,"previousSlot":"2026-12-01T02:00:00+01:00","slot":"2026-12-02T02:00:00+01:00"},"#), "\(text)")
        let back = try State.decode(state.encoded(), path: "s")
        #expect(back == state)
        #expect(back.tasks["dag/a"]?.runContext?.previousSlot == "2026-12-01T02:00:00+01:00")
        // The entry codec the PostgreSQL backend uses carries it too.
        #expect(try StateEntry.decode(entryWithContext().encoded(), place: "row").runContext == entryWithContext().runContext)
        var full = entryWithContext()
        full.runContext?.lastSucceededSlot = "2026-11-30T02:00:00+01:00"
        #expect(try StateEntry.decode(full.encoded(), place: "row") == full)
        #expect(!String(decoding: entry(9).encoded(), as: UTF8.self).contains(#""run""#))
    }

    @Test(arguments: [
        (#""run": "x""#, "run: expected an object, got a string"),
        (#""run": {"attempt": 1}"#, #"run: member "slot" is missing"#),
        (#""run": {"slot": "t", "attempt": 0}"#, "run.attempt: 0 is not an attempt"),
        (#""run": {"slot": "t", "attempt": 1, "next": "u"}"#, #"run: unknown member "next""#),
        (#""run": {"slot": "t", "attempt": 1, "previousSlot": 4}"#, "run.previousSlot: expected a string"),
    ])
    func aBadRunContextIsRefusedByName(member: String, problem: String) {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s", "#
            + member + "}}}"
        let error = stateError { try State.decode(Array(text.utf8), path: "s") }
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
    }

    @Test func journalRecordsCarryPendingRunsAndRunContexts() throws {
        let records: [JournalRecord] = [
            .intent(sequence: 1, action: .pend, address: "dag/b", id: nil, fingerprint: nil, at: "t1"),
            .outcome(sequence: 1, address: "dag/b", result: .pending([waiting, byHand], passed: "2026-12-01T01:00:00Z")),
            .intent(sequence: 2, action: .run, address: "dag/a", id: 8, fingerprint: "f", at: "t2", slot: "2026-12-02T01:00:00Z", attempt: 2),
            .outcome(sequence: 2, address: "dag/a", result: .created(entryWithContext())),
        ]
        for record in records {
            #expect(try JournalRecord.decode(record.encoded(), place: "line") == record)
        }
        #expect(String(decoding: records[3].encoded(), as: UTF8.self).contains(#""run":{"attempt":2,"#))
    }

    @Test func replayedPendingAndCreatedRecordsLeaveOnlyTheRunsNotStarted() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        let later = PendingRun(slot: "2026-12-03T01:00:00Z", waitsFor: ["dag/a"], since: "2026-12-03T01:00:04Z", start: .run)
        let records: [JournalRecord] = [
            .intent(sequence: 1, action: .pend, address: "dag/b", id: nil, fingerprint: nil, at: "t1"),
            .outcome(sequence: 1, address: "dag/b", result: .pending([waiting, later], passed: nil)),
            .intent(sequence: 2, action: .create, address: "dag/b", id: nil, fingerprint: "f", at: "t2", slot: "2026-12-02T01:00:00Z"),
            .outcome(sequence: 2, address: "dag/b", result: .created(entryWithContext(slot: "2026-12-02T01:00:00Z"))),
        ]
        var once = state
        let open = JournalReplay.apply(records, to: &once)
        #expect(open.isEmpty)
        #expect(once.pending == ["dag/b": [later]])
        #expect(once.tasks["dag/b"]?.runContext?.attempt == 2)
        // Idempotent: replayed onto a state saved after it, the same state.
        var twice = once
        _ = JournalReplay.apply(records, to: &twice)
        #expect(twice == once)

        // A run of the later slot removes the last one, and the address leaves `pending`.
        _ = JournalReplay.apply([.outcome(sequence: 3, address: "dag/b", result: .created(entryWithContext(slot: "2026-12-03T01:00:00Z")))],
                                to: &once)
        #expect(once.pending.isEmpty)

        // A run not for a slot removes the pending run not for a slot, and only it.
        state.pending["dag/c"] = [waiting, byHand]
        var plain = entry(11)
        plain.slot = nil
        state.record(.created(plain), at: "dag/c")
        #expect(state.pending["dag/c"] == [waiting])
        // An empty list clears the address; a `passed` slot moves `scheduled` forward for a task with no entry.
        state.record(.pending([], passed: "2026-12-02T01:00:00Z"), at: "dag/d")
        #expect(state.pending["dag/d"] == nil)
        #expect(state.scheduled["dag/d"] == "2026-12-02T01:00:00Z")
    }
}
