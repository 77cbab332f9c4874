import Foundation
import JSON
import Testing
@testable import State

/// The runs of a task in the state (format 2): the current run's State and slot, its history, and the scheduled
/// tasks that have not run yet.
@Suite struct RunRecordTests {
    private func entryWithRuns() -> StateEntry {
        var entry = StateEntry(id: 9, fingerprint: "sha256:aa", applied: ["Name": "n"], appliedAt: "2026-12-02T01:00:03Z",
                               source: "sets/a.yaml:5:5")
        entry.lastState = "Started"
        entry.slot = "2026-12-02T01:00:00Z"
        entry.history = [PastRun(id: 7, startedAt: "2026-11-30T01:00:02Z", state: "Failed", slot: "2026-11-30T01:00:00Z"),
                         PastRun(id: 8, startedAt: "2026-12-01T01:00:02Z")]
        return entry
    }

    @Test func runsAndSchedulesAreWrittenSortedAndReadBackTheSame() throws {
        var state = State(lineage: "l", serial: 3, endpoint: "e")
        state.tasks["a/x"] = entryWithRuns()
        state.scheduled["a/later"] = "2026-12-01T10:00:00Z"
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains("""
              "scheduled": {
                "a/later": "2026-12-01T10:00:00Z"
              },
              "serial": 3,
            """))
        // One line per run, oldest first, so a state kept in git shows a new run as one added line.
        #expect(text.contains("""
                  "history": [
                    {"id":7,"slot":"2026-11-30T01:00:00Z","startedAt":"2026-11-30T01:00:02Z","state":"Failed"},
                    {"id":8,"startedAt":"2026-12-01T01:00:02Z"}
                  ],
            """), "\(text)")
        #expect(text.contains(#""lastState": "Started","#) && text.contains(#""slot": "2026-12-02T01:00:00Z","#))
        let back = try State.decode(state.encoded(), path: "s")
        #expect(back == state)
        #expect(back.tasks["a/x"]?.history.map(\.id) == [7, 8])
        #expect(back.scheduled == ["a/later": "2026-12-01T10:00:00Z"])
        #expect(back.ownedIds == [7, 8, 9])
        // The entry codec the PostgreSQL backend uses reads the same members.
        #expect(try StateEntry.decode(entryWithRuns().encoded(), place: "row") == entryWithRuns())
    }

    @Test func aVersionOneFileReadsAsItIs() throws {
        let text = #"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}}}"#
        let state = try State.decode(Array(text.utf8), path: "s")
        #expect(state.tasks["a/b"]?.history == [])
        #expect(state.tasks["a/b"]?.lastState == nil)
        #expect(state.scheduled.isEmpty)
        #expect(String(decoding: state.encoded(), as: UTF8.self).contains(#""formatVersion": 2"#))
    }

    @Test func aNewRunTakesTheCurrentOneIntoTheHistory() {
        let next = StateEntry(id: 10, fingerprint: "sha256:bb", applied: ["Name": "n"], appliedAt: "2026-12-03T01:00:02Z", source: "s")
        let ran = entryWithRuns().startingRun(next)
        #expect(ran.id == 10)
        #expect(ran.lastState == nil)
        #expect(ran.history.map(\.id) == [7, 8, 9])
        #expect(ran.history.last == PastRun(id: 9, startedAt: "2026-12-02T01:00:03Z", state: "Started", slot: "2026-12-02T01:00:00Z"))
    }

    @Test(arguments: [
        (#""history": {}"#, #"tasks."a/b".history: expected an array, got an object"#),
        (#""history": [{"id": 1}]"#, #"member "startedAt" is missing"#),
        (#""history": [{"id": 2, "startedAt": "t", "colour": 1}]"#, #"unknown member "colour""#),
        (#""lastState": 3"#, "lastState: expected a string, got a number"),
        (#""history": [{"id": 5, "startedAt": "t"}]"#, "a/b lists task id 5 twice"),
    ])
    func aMalformedRunRecordIsRefusedNamingItsPath(member: String, problem: String) {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 5, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s", "# + member + "}}}"
        #expect(throws: StateError.self) { try State.decode(Array(text.utf8), path: "s") }
        do {
            _ = try State.decode(Array(text.utf8), path: "s")
        } catch {
            #expect(error.message.contains(problem), "\(error.message)")
        }
    }

    @Test func twoEntriesSharingAHistoryRunAreRefused() {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 5, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s", "history": [{"id": 4, "startedAt": "t"}]}, "a/c": {"id": 4, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}}}"#
        do {
            _ = try State.decode(Array(text.utf8), path: "s")
            Issue.record("a state whose entries share task 4 was read")
        } catch {
            #expect(error.message.contains("a/b and a/c both own task id 4"), "\(error.message)")
        }
    }

    @Test func aCreatedEntryEndsTheScheduledRegistration() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        state.scheduled["a/x"] = "2026-12-01T10:00:00Z"
        state.record(.created(entryWithRuns()), at: "a/x")
        #expect(state.scheduled.isEmpty)
        #expect(state.tasks["a/x"]?.id == 9)
    }

    @Test func aRunForAnOlderSlotKeepsTheScheduleWhereItWas() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        state.tasks["a/x"] = entryWithRuns()
        var backfill = entryWithRuns()
        backfill.id = 10
        backfill.slot = "2026-11-25T01:00:00Z"
        backfill.history = []
        state.record(.created(backfill), at: "a/x")
        #expect(state.scheduled["a/x"] == "2026-12-02T01:00:00Z", "the latest slot the runs before it had")
        var next = entryWithRuns()
        next.id = 11
        next.slot = "2026-12-03T01:00:00Z"
        state.record(.created(next), at: "a/x")
        #expect(state.scheduled.isEmpty)
    }

    @Test func aRunsAttemptOutcomeRetryFailuresAndSuspensionAreWrittenAndReadBack() throws {
        var entry = entryWithRuns()
        entry.attempt = 2
        entry.outcome = .timedOut
        entry.retryAt = "2026-12-02T01:10:00Z"
        entry.failures = 3
        entry.suspension = Suspension(by: "ana@ops-1", at: "2026-12-02T02:00:00Z", reason: "CRM upgrade", afterFailures: false)
        entry.history[0].attempt = 2
        entry.history[0].outcome = .failed
        var state = State(lineage: "l", serial: 3, endpoint: "e")
        state.tasks["a/x"] = entry
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains(#""attempt": 2,"#) && text.contains(#""failures": 3,"#) && text.contains(#""outcome": "timedOut","#))
        #expect(text.contains(#""suspended": {"at":"2026-12-02T02:00:00Z","by":"ana@ops-1","reason":"CRM upgrade"}"#), "\(text)")
        #expect(text.contains(#"{"attempt":2,"id":7,"outcome":"failed","slot""#), "\(text)")
        let back = try State.decode(state.encoded(), path: "s")
        #expect(back == state)
        #expect(back.tasks["a/x"]?.suspension?.reason == "CRM upgrade")
        #expect(try StateEntry.decode(entry.encoded(), place: "row") == entry)
        // Defaults are not written: an entry without a retry or failure reads and writes as before.
        let plain = String(decoding: entryWithRuns().encoded(), as: UTF8.self)
        #expect(!plain.contains("attempt") && !plain.contains("failures") && !plain.contains("suspended"))
    }

    @Test(arguments: [
        (#""attempt": 0"#, "attempt: 0 is not an attempt (1 or more)"),
        (#""failures": "2""#, "failures: expected an integer, got a string"),
        (#""outcome": "crashed""#, "outcome: 'crashed' is not one of succeeded, failed, timedOut"),
        (#""suspended": {"by": "x", "at": "t"}"#, #"suspended: member "reason" is missing"#),
        (#""retryAt": 5"#, "retryAt: expected a string, got"),
    ])
    func aBadRunMemberIsRefusedByName(member: String, detail: String) {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s", "#
            + member + "}}}"
        #expect {
            try State.decode(Array(text.utf8), path: "s")
        } throws: { error in
            "\(error)".contains(detail)
        }
    }
}
