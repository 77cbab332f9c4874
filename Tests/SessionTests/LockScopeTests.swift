import BatchTask
import DesiredTasks
import Diagnostics
import Planning
import Reconcile
import State
import Testing

/// The task sets a run locks: those its selection can change, no more, so that runs on other sets proceed at once.
@Suite struct LockScopeTests {
    private let moveOnly = ExpansionResult(moves: [Move(from: "old/a", to: "s/a", location: SourceLocation(file: "s.yaml", line: 1, column: 1))])

    /// A project of three sets: crm and ops (labelled by team), and billing (no labels), where crm/a moved from legacy.
    private var project: ExpansionResult {
        func task(_ set: String, _ key: String) -> DesiredTask {
            DesiredTask(setName: set, key: key, address: "\(set)/\(key)", source: SourceLocation(file: "\(set).yaml", line: 1, column: 1),
                        info: BatchTaskInfo())
        }
        func set(_ name: String, _ labels: [String: String]) -> TaskSetSummary {
            TaskSetSummary(name: name, labels: labels, location: SourceLocation(file: "\(name).yaml", line: 1, column: 1), taskCount: 2)
        }
        return ExpansionResult(
            tasks: [task("crm", "a"), task("crm", "b"), task("ops", "a"), task("ops", "b"), task("billing", "a")],
            moves: [Move(from: "legacy/a", to: "crm/a", location: SourceLocation(file: "crm.yaml", line: 9, column: 3))],
            sets: [set("crm", ["team": "crm"]), set("ops", ["team": "ops"]), set("billing", [:])])
    }

    private func selection(targets: [String] = [], excludes: [String] = [], selectors: [String] = []) throws -> TaskSelection {
        try TaskSelection(targets: targets, excludes: excludes, selectors: selectors)
    }

    @Test func anApplyLocksTheSetsItMayChangeAndThoseItsMovesLeaveAndEnter() {
        #expect(LockScope.sets(for: moveOnly, prune: false) == ["old", "s"])
        #expect(LockScope.sets(for: project, prune: false) == ["billing", "crm", "legacy", "ops"])
    }

    @Test func pruneLocksEverySet() {
        #expect(LockScope.sets(for: moveOnly, prune: true) == nil)
    }

    @Test func aSavedPlanLocksTheSetsOfEveryAddressItNames() {
        var plan = Plan(actions: [PlannedAction(address: "crm/a", kind: .update, id: 1),
                                  PlannedAction(address: "crm/b", kind: .move, id: 2, movedFrom: "legacy/b"),
                                  PlannedAction(address: "gone/x~deposed-7", kind: .delete, id: 7)],
                        orphans: [Orphan(address: "kept/o", id: 9)], drift: [], stateLineage: "l", stateSerial: 3, endpoint: "embedded",
                        refreshed: false)
        #expect(LockScope.sets(forSaved: plan) == ["crm", "gone", "legacy"])
        // Runs to look at are not carried by a plan file.
        plan.looks = [RunLook(address: "runs/r", id: 4)]
        plan.unscheduled = ["sched/u"]
        plan.pending = [PendingStep(address: "wait/w", run: PendingRun(slot: nil, waitsFor: ["crm/a"], since: "2030-01-01T00:00:00Z", start: .create),
                                    isNew: true, action: PlannedAction(address: "wait/w", kind: .create))]
        #expect(LockScope.sets(forSaved: plan) == ["crm", "gone", "legacy", "sched", "wait"])
        // A plan of nothing locks nothing; an orphan it only lists is not changed.
        #expect(LockScope.sets(forSaved: Plan(actions: [], orphans: [Orphan(address: "kept/o", id: 9)], drift: [], stateLineage: nil,
                                              stateSerial: nil, endpoint: "embedded", refreshed: false)) == [])
    }

    @Test func aSelectorLocksOnlyTheSetsWhoseLabelsItTakes() throws {
        #expect(LockScope.sets(for: project, selection: try selection(selectors: ["team=crm"]), prune: false) == ["crm"])
        #expect(LockScope.sets(for: project, selection: try selection(selectors: ["team=ops"]), prune: true) == ["ops"])
        #expect(LockScope.sets(for: project, selection: try selection(selectors: ["team=none"]), prune: false) == [])
        // Two teams' applies share no set.
        let crm = Set(LockScope.sets(for: project, selection: try selection(selectors: ["team=crm"]), prune: true) ?? [])
        let ops = Set(LockScope.sets(for: project, selection: try selection(selectors: ["team=ops"]), prune: true) ?? [])
        #expect(crm.isDisjoint(with: ops))
    }

    @Test func aTargetLocksTheSetsItNamesAndThoseOfItsMoves() throws {
        #expect(LockScope.sets(for: project, selection: try selection(targets: ["ops/*"]), prune: true) == ["ops"])
        #expect(LockScope.sets(for: project, selection: try selection(targets: ["ops/a", "billing/a"]), prune: false) == ["billing", "ops"])
        // The move into crm/a is carried, so the set it leaves is locked too.
        #expect(LockScope.sets(for: project, selection: try selection(targets: ["crm/a"]), prune: false) == ["crm", "legacy"])
        // A set that left the manifests is named by the target, and locked for the prune.
        #expect(LockScope.sets(for: project, selection: try selection(targets: ["retired/*"]), prune: true) == ["retired"])
    }

    @Test func aTargetWhoseSetPartIsAPatternLocksAsWithoutOne() throws {
        let anySet = try selection(targets: ["*/a"])
        #expect(LockScope.sets(for: project, selection: anySet, prune: false) == ["billing", "crm", "legacy", "ops"])
        #expect(LockScope.sets(for: project, selection: anySet, prune: true) == nil)
    }

    @Test func anExcludeThatCoversASetLeavesItOut() throws {
        #expect(LockScope.sets(for: project, selection: try selection(excludes: ["ops/*", "legacy/*"]), prune: false) == ["billing", "crm"])
        // Excluding one task leaves its set locked for the others.
        #expect(LockScope.sets(for: project, selection: try selection(excludes: ["ops/a"]), prune: false) == ["billing", "crm", "legacy", "ops"])
        #expect(LockScope.sets(for: project, selection: try selection(excludes: ["ops/*"]), prune: true) == nil)
    }

    @Test func runLocksTheSetsOfTheTasksItMayStart() throws {
        var due = PlanOptions(endpoint: "embedded")
        due.startsDueRuns = true
        due.selection = try selection(selectors: ["team=ops"])
        #expect(LockScope.sets(forRuns: due, in: project) == ["ops"])
        var named = PlanOptions(endpoint: "embedded")
        named.runs = [Glob("billing/*")]
        #expect(LockScope.sets(forRuns: named, in: project) == ["billing"])
    }

    @Test func destroyLocksTheSetsTheFlagsName() throws {
        #expect(LockScope.sets(forDestroy: .everything, sets: nil) == nil)
        #expect(LockScope.sets(forDestroy: .everything, sets: ["crm"]) == ["crm"])
        #expect(LockScope.sets(forDestroy: try selection(targets: ["ops/*"]), sets: nil) == ["ops"])
        #expect(LockScope.sets(forDestroy: try selection(targets: ["ops/*"]), sets: ["crm", "ops"]) == ["ops"])
        #expect(LockScope.sets(forDestroy: try selection(targets: ["*/a"]), sets: ["crm"]) == ["crm"])
    }
}
