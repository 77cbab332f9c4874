import BatchTask
import DesiredTasks
import Diagnostics
import State
import Testing
@testable import Planning

/// A run that holds the lock of some task sets plans nothing in the others: no change, no orphan, no move, no end of a
/// schedule; another run may be writing them.
@Suite struct LockedSetsPlanningTests: PlanningFixtures {
    private func task(in set: String, _ key: String, description: String? = nil) -> DesiredTask {
        var info = BatchTaskInfo()
        info.name = "N"
        info.description = description
        return DesiredTask(setName: set, key: key, address: "\(set)/\(key)", source: SourceLocation(file: "\(set).yaml", line: 1, column: 1),
                           info: info)
    }

    /// Applied before: crm/a, crm/gone, ops/a, ops/gone and a deposed ops/a; the manifests now hold crm/a and ops/a,
    /// both changed.
    private func applied() -> (desired: [DesiredTask], state: State) {
        let before = [task(in: "crm", "a"), task(in: "crm", "gone"), task(in: "ops", "a"), task(in: "ops", "gone")]
        var state = state(before)
        state.tasks[StateAddress.deposed("ops/a", id: 9)] = entry(id: 9, task(in: "ops", "a", description: "old"))
        state.scheduled = ["crm/gone": "2026-11-29T07:00:00Z", "ops/gone": "2026-11-29T07:00:00Z"]
        return ([task(in: "crm", "a", description: "new"), task(in: "ops", "a", description: "new")], state)
    }

    @Test func withoutLockedSetsEverySetIsPlanned() throws {
        let (desired, state) = applied()
        let result = try plan(desired, state: state) { $0.prune = true; $0.allowMassDelete = true }
        #expect(Set(result.actions.map(\.address)) == ["crm/a", "crm/gone", "ops/a", "ops/gone", "ops/a~deposed-9"])
        #expect(result.unscheduled == ["crm/gone", "ops/gone"])
    }

    @Test func onlyTheLockedSetsArePlanned() throws {
        let (desired, state) = applied()
        let pruned = try plan(desired, state: state) { $0.prune = true; $0.allowMassDelete = true; $0.lockedSets = ["crm"] }
        #expect(pruned.actions.map(\.address) == ["crm/a", "crm/gone"])
        #expect(pruned.actions.map(\.kind) == [.update, .delete])
        #expect(pruned.unscheduled == ["crm/gone"])
        let listed = try plan(desired, state: state) { $0.lockedSets = ["crm"] }
        #expect(listed.orphans.map(\.address) == ["crm/gone"])
        #expect(listed.actions.map(\.address) == ["crm/a"])
    }

    @Test func aMoveIsCarriedOnlyWhenBothItsSetsAreLockedAndRefusedOtherwise() throws {
        let old = task(in: "old", "a")
        let new = task(in: "crm", "a")
        let move = Move(from: "old/a", to: "crm/a", location: SourceLocation(file: "crm.yaml", line: 5, column: 3))
        let carried = try plan([new], state: state([old]), moves: [move]) { $0.lockedSets = ["crm", "old"] }
        #expect(carried.actions.map(\.kind) == [.move])
        // Holding only crm, the task would be created beside its old entry: refused, naming the set.
        #expect {
            try plan([new], state: state([old]), moves: [move]) { $0.lockedSets = ["crm"] }
        } throws: { error in
            "\(error)".contains("does not hold the lock of the task set old")
        }
    }
}
