import BatchTask
import DesiredTasks
import JSON
import State
import Testing
@testable import Planning

/// Entries a killed create-before-destroy replace left behind, and plans that delete what the state holds.
@Suite struct DeposedAndDestroyTests: PlanningFixtures {
    /// a and b applied, and an old copy of each deposed by a replace that never got to delete it.
    func withDeposed() -> State {
        var managed = state([task("a"), task("b")])
        managed.tasks[StateAddress.deposed("s/a", id: 7)] = entry(id: 7, task("a", database: "old"))
        managed.tasks[StateAddress.deposed("s/b", id: 8)] = entry(id: 8, task("b", database: "old"))
        return managed
    }

    @Test func aDeposedEntryIsDeletedWithoutPrune() throws {
        let result = try plan([task("a"), task("b")], state: withDeposed())
        let deletes = result.actions.filter { $0.kind == .delete }
        #expect(deletes.map(\.address) == ["s/a~deposed-7", "s/b~deposed-8"])
        #expect(deletes.map(\.id) == [7, 8])
        #expect(deletes.first?.reason == "deposed by a create-before-destroy replace of s/a")
        #expect(deletes.first?.changes.contains(FieldChange(field: .databaseSerialNumber, before: "old", after: nil)) == true)
        #expect(result.orphans.isEmpty)
        #expect(result.summaryLine == "Plan: 0 to create, 0 to update, 0 to replace, 2 to delete, 0 to move.")
    }

    @Test func deposedEntriesAreNotCountedByTheMassDeleteGuard() throws {
        // Counted, they would make 3 deletes of 4 entries; of the 2 managed tasks, pruning b deletes 1.
        let result = try plan([task("a")], state: withDeposed()) { $0.prune = true }
        #expect(result.actions.filter { $0.kind == .delete }.map(\.address) == ["s/a~deposed-7", "s/b", "s/b~deposed-8"])
        #expect(throws: PlanningError.self) { try plan([], state: withDeposed()) { $0.prune = true } }
    }

    @Test func targetsAndExcludesSelectByTheOriginalAddress() throws {
        let targeted = try TaskSelection(targets: ["s/a"])
        let onlyA = try plan([task("a"), task("b")], state: withDeposed()) { $0.selection = targeted }
        #expect(onlyA.actions.filter { $0.kind == .delete }.map(\.address) == ["s/a~deposed-7"])
        let excluded = try TaskSelection(excludes: ["s/a"])
        let notA = try plan([task("a"), task("b")], state: withDeposed()) { $0.selection = excluded }
        #expect(notA.actions.filter { $0.kind == .delete }.map(\.address) == ["s/b~deposed-8"])
    }

    /// s/a, s/b, x/c and a deposed copy of s/a.
    func mixed() -> State {
        var managed = state([task("a"), task("b")])
        var other = task("c")
        other.setName = "x"
        other.address = "x/c"
        managed.tasks["x/c"] = entry(id: 300, other)
        managed.tasks[StateAddress.deposed("s/a", id: 7)] = entry(id: 7, task("a"))
        managed.serial = 12
        return managed
    }

    @Test func destroyDeletesEveryEntryInAddressOrder() {
        let managed = mixed()
        let result = Planner.destroy(state: managed, targets: .everything, sets: nil, endpoint: "http://x")
        #expect(result.actions.map(\.address) == ["s/a", "s/a~deposed-7", "s/b", "x/c"])
        #expect(result.actions.allSatisfy { $0.kind == .delete && $0.reason == "destroy" })
        #expect(result.actions.map(\.id) == [100, 7, 101, 300])
        #expect(result.actions.first?.changes == [FieldChange(field: .name, before: "N", after: nil)])
        #expect(result.stateLineage == managed.lineage && result.stateSerial == 12 && result.endpoint == "http://x")
        #expect(!result.refreshed)
    }

    @Test func destroyHonoursTargetsAndSets() throws {
        let targeted = Planner.destroy(state: mixed(), targets: try TaskSelection(targets: ["s/a"]), sets: nil, endpoint: "http://x")
        #expect(targeted.actions.map(\.address) == ["s/a", "s/a~deposed-7"])
        let inX = Planner.destroy(state: mixed(), targets: .everything, sets: ["x"], endpoint: "http://x")
        #expect(inX.actions.map(\.address) == ["x/c"])
        let inS = Planner.destroy(state: mixed(), targets: try TaskSelection(excludes: ["s/b"]), sets: ["s"], endpoint: "http://x")
        #expect(inS.actions.map(\.address) == ["s/a", "s/a~deposed-7"])
        #expect(Planner.destroy(state: mixed(), targets: .everything, sets: [], endpoint: "http://x").actions.isEmpty)
    }
}
