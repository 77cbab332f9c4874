import DesiredTasks
import Foundation
import State

/// Which planned runs wait for what they depend on, and the state's pending runs a plan carries.
///
/// A job started beside the one it depends on would run before that one ended: such a start is held, recorded as a
/// pending run, and started by a later pass once every dependency has a run that Succeeded.
struct Holding {
    /// The desired tasks that have dependencies or pending runs, by address.
    let tasks: [String: DesiredTask]
    /// The state's entries after the moves.
    let entries: [String: StateEntry]
    /// The state's pending runs, by address.
    let pending: [String: [PendingRun]]
    let runs: Planner.Runs
    let scope: Planner.Scope
    let options: PlanOptions

    init(desired: [DesiredTask], entries: [String: StateEntry], pending: [String: [PendingRun]], runs: Planner.Runs,
         scope: Planner.Scope, options: PlanOptions) {
        var tasks: [String: DesiredTask] = [:]
        desired.withUnsafeBufferPointer { desired in
            for index in desired.indices where !desired[index].dependsOn.isEmpty || pending[desired[index].address] != nil {
                tasks[desired[index].address] = desired[index]
            }
        }
        self.tasks = tasks
        self.entries = entries
        self.pending = pending
        self.runs = runs
        self.scope = scope
        self.options = options
    }

    static let startingKinds: Set<ActionKind> = [.create, .replace, .run]

    /// Takes the held actions out of `actions` and returns the plan's pending steps: new holds first, then the
    /// state's pending runs in scope, each with the action that starts it once it is ready.
    func hold(_ actions: inout [PlannedAction]) -> [PendingStep] {
        // Element by element, without copying an action: a plan of 100,000 unchanged tasks has as many no-ops.
        var starting = Set<String>()
        for index in actions.indices where Self.startingKinds.contains(actions[index].kind) {
            starting.insert(actions[index].address)
        }
        let now = Timestamp.string(options.now)
        var steps: [PendingStep] = []
        // The state's pending run an action stands for, by address: that run is started by its step, not anew.
        var absorbed: [String: PlannedAction] = [:]
        // Only an action that starts a run can be held.
        if !starting.isEmpty {
            actions.removeAll { action in
                guard Self.startingKinds.contains(action.kind) else { return false }
                if pending[action.address]?.contains(where: { $0.slot == action.slot }) == true {
                    absorbed[action.address] = action
                    return true
                }
                guard let task = tasks[action.address], isHeld(action, task, starting: starting) else { return false }
                let run = PendingRun(slot: action.slot, waitsFor: task.dependsOn.sorted(), since: now, start: Self.start(of: action))
                steps.append(PendingStep(address: action.address, run: run, isNew: true, action: action))
                return true
            }
        }
        for address in pending.keys.sorted() where carries(address) {
            for run in pending[address] ?? [] {
                let planned = absorbed[address].flatMap { $0.slot == run.slot ? $0 : nil }
                steps.append(PendingStep(address: address, run: run, isNew: false, action: planned ?? startAction(address, run)))
            }
        }
        return steps
    }

    /// (a) a due scheduled run of a task with dependencies, or (b) any start beside one of its dependencies.
    func isHeld(_ action: PlannedAction, _ task: DesiredTask, starting: Set<String>) -> Bool {
        guard !task.dependsOn.isEmpty else { return false }
        if task.dependsOn.contains(where: starting.contains) { return true }
        return action.kind == .run && action.slot != nil && action.attempt == 1 && !runs.asked(action.address)
            && task.run.when == .schedule
    }

    static func start(of action: PlannedAction) -> PendingRun.Start {
        switch action.kind {
        case .create: return .create
        case .replace: return .replace
        default: return .run
        }
    }

    /// Whether the plan carries the state's pending runs of `address`: in scope, and for `batchctl run ADDR` only
    /// the asked addresses' (and, in a pass of `--wait`, the followed ones').
    func carries(_ address: String) -> Bool {
        if options.runsOnly && !options.startsDueRuns && !runs.asked(address) && !options.follows.contains(address) { return false }
        guard let task = tasks[address] else { return scope.includes(address: address) }
        return scope.includes(task)
    }

    /// What starts a pending run now: a create where there is no entry (a scheduled first run is a run without an
    /// id, as `scheduledAction` plans it), a replace asked for at the hold, otherwise a run for the pending slot. A
    /// `noop` drops the run: its task left the manifests, or is no longer scheduled while the run is for a slot.
    func startAction(_ address: String, _ run: PendingRun) -> PlannedAction {
        guard let task = tasks[address] else {
            return PlannedAction(address: address, kind: .noop, reason: "its task is no longer in the manifests")
        }
        if run.slot != nil && task.run.when != .schedule {
            return PlannedAction(address: address, kind: .noop, reason: "it is no longer scheduled")
        }
        let reason = "pending since \(run.since)"
        guard let entry = entries[address] else {
            let kind: ActionKind = run.slot == nil ? .create : .run
            return PlannedAction(address: address, kind: kind, changes: Planner.creationChanges(task), reason: reason, slot: run.slot)
        }
        if run.start == .replace {
            let changes = Planner.compare(task, entry, options.secrets, options.fields)
            if changes.contains(where: { $0.field.role != .updatable }) {
                return PlannedAction(address: address, kind: .replace, id: entry.id, changes: changes, reason: reason,
                                     createBeforeDestroy: task.lifecycle.createBeforeDestroy)
            }
        }
        return PlannedAction(address: address, kind: .run, id: entry.id, reason: reason, slot: run.slot)
    }
}
