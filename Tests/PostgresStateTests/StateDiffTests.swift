import State
import Testing

@testable import PostgresState

/// What a save sends, worked out without a server.
@Suite struct StateDiffTests {
    private func entry(_ id: Int32, name: String = "Task") -> StateEntry {
        StateEntry(id: id, fingerprint: String(repeating: "a", count: 64), applied: ["Name": .string(name)],
                   appliedAt: "2026-12-02T00:00:00Z", source: "sets/a.yaml:3:5")
    }

    private func state(_ tasks: [String: StateEntry], scheduled: [String: String] = [:]) -> State {
        State(lineage: "l", serial: 1, endpoint: "https://host/crm/api/v1", tasks: tasks, scheduled: scheduled)
    }

    @Test func anUnchangedStateWritesNothing() {
        let tasks = ["a/one": entry(1), "b/two": entry(2)]
        let diff = StateDiff(from: tasks, scheduled: ["a/one": "2026-12-01T00:00:00Z"],
                             to: state(tasks, scheduled: ["a/one": "2026-12-01T00:00:00Z"]))
        #expect(diff.upserts.isEmpty && diff.removals.isEmpty)
        #expect(diff.scheduleUpserts.isEmpty && diff.scheduleRemovals.isEmpty)
        #expect(diff.touchedSets.isEmpty)
    }

    @Test func entriesAreCreatedUpdatedAndRemovedEachInItsSet() {
        let old = ["a/kept": entry(1), "a/changed": entry(2), "b/gone": entry(3)]
        let new = ["a/kept": entry(1), "a/changed": entry(2, name: "Renamed"), "c/new": entry(4)]
        let diff = StateDiff(from: old, scheduled: [:], to: state(new))
        let upserts = diff.upserts.sorted { $0.address < $1.address }
        #expect(upserts.map(\.address) == ["a/changed", "c/new"])
        #expect(upserts.map(\.change) == ["updated", "created"])
        #expect(upserts.map(\.set) == ["a", "c"])
        #expect(upserts.map(\.id) == [2, 4])
        #expect(upserts[0].text == String(decoding: new["a/changed"]?.encoded() ?? [], as: UTF8.self))
        #expect(diff.removals == [StateDiff.Removal(address: "b/gone", set: "b", id: 3)])
        #expect(diff.touchedSets == ["a", "b", "c"])
    }

    @Test func schedulesAreWrittenWhenTheyChangeAndTouchTheirSets() {
        let old = ["a/x": "2026-12-01T00:00:00Z", "b/y": "2026-12-01T00:00:00Z", "d/z": "2026-12-01T00:00:00Z"]
        let new = ["a/x": "2026-12-01T00:00:00Z", "b/y": "2026-12-02T00:00:00Z", "e/w": "2026-12-03T00:00:00Z"]
        let diff = StateDiff(from: [:], scheduled: old, to: state([:], scheduled: new))
        #expect(Set(diff.scheduleUpserts) == [
            StateDiff.ScheduleUpsert(address: "b/y", set: "b", since: "2026-12-02T00:00:00Z"),
            StateDiff.ScheduleUpsert(address: "e/w", set: "e", since: "2026-12-03T00:00:00Z"),
        ])
        #expect(diff.scheduleRemovals == ["d/z"])
        #expect(diff.touchedSets == ["b", "d", "e"])
    }

    @Test func pendingRunsAreWrittenPerAddressWhenTheyChangeAndTouchTheirSets() throws {
        let run = PendingRun(slot: "2026-12-02T01:00:00Z", waitsFor: ["a/x"], since: "2026-12-02T01:00:04Z", start: .run)
        let other = PendingRun(slot: nil, waitsFor: ["a/x"], since: "2026-12-02T09:00:00Z", start: .create)
        let old = ["b/kept": [run], "c/changed": [run, other], "d/gone": [run]]
        var new = state([:])
        new.pending = ["b/kept": [run], "c/changed": [other], "e/new": [run]]
        let diff = StateDiff(from: [:], scheduled: [:], pending: old, to: new)
        #expect(Set(diff.pendingUpserts) == [
            StateDiff.PendingUpsert(address: "c/changed", set: "c", runs: String(decoding: PendingRun.encoded([other]), as: UTF8.self)),
            StateDiff.PendingUpsert(address: "e/new", set: "e", runs: String(decoding: PendingRun.encoded([run]), as: UTF8.self)),
        ])
        #expect(diff.pendingRemovals == ["d/gone"])
        #expect(diff.touchedSets == ["c", "d", "e"])
        #expect(try PendingRun.decode(PendingRun.encoded([run, other]), place: "row") == [run, other])
    }
}
