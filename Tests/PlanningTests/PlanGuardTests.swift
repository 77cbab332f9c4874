import DesiredTasks
import State
import Testing
@testable import Planning

/// The guards every plan that deletes passes: preventDestroy and the mass delete.
@Suite struct PlanGuardTests: PlanningFixtures {
    private let guarded = Lifecycle(preventDestroy: true)

    /// s/a with a deposed copy, s/b, and x/c, as `DeposedAndDestroyTests` has them.
    private func managed() -> State {
        var managed = state([task("a"), task("b")])
        managed.tasks["s/a~deposed-7"] = managed.tasks["s/a"].map { entry in
            var deposed = entry
            deposed.id = 7
            return deposed
        }
        return managed
    }

    @Test func destroyRefusesEachProtectedTaskAtItsEntry() throws {
        let desired = [task("a", lifecycle: guarded), task("b")]
        let error = #expect(throws: PlanningError.self) {
            try Planner.destroy(state: managed(), targets: .everything, sets: nil, endpoint: "http://x", protecting: desired)
        }
        #expect(error?.messages == ["destroy would delete s/a, whose manifest says lifecycle.preventDestroy; leave it out with --exclude s/a, or remove preventDestroy from the manifest first; nothing was deleted"])
        #expect(error?.problems.first?.location == desired[0].source)
    }

    @Test func destroyLeavingTheProtectedTaskOutIsAllowedAndDeposedCopiesGoToo() throws {
        let desired = [task("a", lifecycle: guarded), task("b")]
        let others = try Planner.destroy(state: managed(), targets: try TaskSelection(excludes: ["s/a"]), sets: nil,
                                         endpoint: "http://x", protecting: desired)
        #expect(others.actions.map(\.address) == ["s/b"])
        // The deposed copy of a protected task is the old run a replace left: deleting it is what protection wants.
        let actions = Planner.destroy(state: managed(), targets: .everything, sets: nil, endpoint: "http://x").actions
            .filter { $0.address != "s/a" }
        #expect(Planner.protectedDeletes(actions, desired: desired, by: "destroy").isEmpty)
    }

    @Test func anyPlanThatDeletesAProtectedTaskIsRefusedAlike() {
        let desired = [task("a", lifecycle: guarded)]
        let actions = Planner.destroy(state: managed(), targets: .everything, sets: nil, endpoint: "http://x").actions
        let problems = Planner.protectedDeletes(actions, desired: desired, by: "this plan")
        #expect(problems.map(\.message) == ["this plan would delete s/a, whose manifest says lifecycle.preventDestroy; leave it out with --exclude s/a, or remove preventDestroy from the manifest first; nothing was deleted"])
    }

    @Test func pruningWhatLeftTheManifestsStillPassesTheMassDeleteGuard() throws {
        let all = [task("a"), task("b"), task("c")]
        #expect(throws: PlanningError.self) { try plan([task("a")], state: state(all)) { $0.prune = true } }
        let allowed = try plan([task("a")], state: state(all)) {
            $0.prune = true
            $0.allowMassDelete = true
        }
        #expect(allowed.actions.filter { $0.kind == .delete }.count == 2)
    }
}
