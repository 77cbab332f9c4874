import Crypto
import BatchTask
import DesiredTasks
import Foundation
import JSON
import Schedule
import State

/// How to plan: pruning, guards, and which addresses are in scope.
public struct PlanOptions: Sendable {
    public var prune = false
    public var allowMassDelete = false
    public var selection = TaskSelection.everything
    public var endpoint: String
    /// Tasks that start a new run whatever else changed (`batchctl run ADDR`, `apply --replace ADDR`), as
    /// patterns like `--target`'s.
    public var runs: [Glob] = []
    /// Only runs (and the registration of new scheduled tasks) are planned: `batchctl run`. Other differences
    /// wait for apply.
    public var runsOnly = false
    /// `run --due`: each scheduled task with a slot due at `now` gets a run.
    public var startsDueRuns = false
    /// A pass of `--wait`: the addresses it follows. Their current runs are looked at and settled whatever their run
    /// policy, their due retries start, and their pending runs advance.
    public var follows: Set<String> = []
    /// `run ADDR --slot TIME`: the slot the asked runs are for (a backfill by hand), instead of now.
    public var slot: Date?
    /// Addresses an `import` entry names whose task was not read from the API (a plan made without resolving them):
    /// planned as an import without an id, never as a create, which would make a second task beside the one to import.
    public var awaitingImport: Set<String> = []
    /// The time schedules are read at, and a new scheduled task is registered at.
    public var now = Date()
    /// How the state hashes secrets: with its key (`StateSession` sets it), or unkeyed.
    public var secrets = SecretHasher.unkeyed
    /// With a refresh, a task changed or deleted outside batchctl is planned back to what the manifests say. False
    /// (the controller without `--self-heal`): drift is reported in `Plan.drift` and left alone, unless the
    /// manifests changed the task too.
    public var revertsDrift = true
    /// How the server's values compare with what was sent (api.md v3): the zone the client asked dates in.
    public var fields = FieldModel.standard
    /// The task sets the run holds the lock of (`StateSession` sets it); nil: every set. Nothing of another set is
    /// planned, not even an orphan: a run that holds that set lists and changes it.
    public var lockedSets: Set<String>?

    public init(endpoint: String) {
        self.endpoint = endpoint
    }
}

/// Decides what must change: a pure function of the desired tasks, the state and (when refreshing) the live tasks.
///
/// It knows nothing of HTTP or files, so it is tested without a server and stays fast at 100,000 tasks.
public enum Planner {
    /// `desired` holds each address once, as expansion guarantees.
    ///
    /// The steps, in order: carry moved entries to their new addresses; adopt the imported tasks as if `batchctl
    /// import` had recorded them; compare every desired task with its entry;
    /// read the drift of every entry once (with `live`); decide each desired task's action; list or delete the
    /// entries whose tasks left the manifests; refuse a mass delete. Every refusal is collected, so one run names
    /// them all.
    public static func plan(desired: [DesiredTask], moves: [Move] = [], imports: [ResolvedImport] = [], sets: [TaskSetSummary] = [],
                            state: State?, live: [Int32: BatchTaskInfo]?, options: PlanOptions) throws(PlanningError) -> Plan {
        let scope = Scope(selection: options.selection, sets: sets, locked: options.lockedSets)
        var problems = patternsMatchingNothing(desired: desired, state: state, options: options)
        let runs = Runs(options: options, scheduled: state?.scheduled ?? [:], pending: state?.pending ?? [:])

        var moved = carryMoves(moves, entries: state?.tasks ?? [:], scope: scope, problems: &problems)
        let importing = options.runsOnly ? [] : imports
        carryImports(importing, desired: desired, into: &moved, scope: scope, options: options, problems: &problems)
        let entries = moved.entries
        // An adopted task is read once, when its entry is resolved; a refresh compares with what was read.
        let live = live.map { live in importing.reduce(into: live) { $0[$1.id] = $1.live } }
        let compared = compareAll(desired, entries, options.secrets, options.fields)
        let refreshed = live.map { live in
            Refreshed(live: live, report: Drift.report(entries: entries, live: live, desired: desired, selection: options.selection,
                                                       secrets: options.secrets, fields: options.fields),
                      selection: options.selection, secrets: options.secrets, fields: options.fields, reverts: options.revertsDrift)
        }

        var actions = options.runsOnly ? [] : moved.actions
        actions.reserveCapacity(moved.actions.count + desired.count)
        var schedules: [ScheduledTask] = []
        var looks: [RunLook] = []
        // A function of its own, passed each task in place (through the buffer, whose elements are borrowed, not
        // copied out as an array's are): a copy of each of 100,000 tasks was a good part of a large plan.
        func consider(_ task: DesiredTask, _ comparison: Comparison?) {
            if let look = runs.look(task, entries: entries) { looks.append(look) }
            if let schedule = task.run.schedule, task.run.when == .schedule {
                schedules.append(runs.standing(of: task, schedule, entry: entries[task.address]))
            }
            switch decide(task, comparison: comparison, entries: entries, refreshed: refreshed, movedInto: moved.into,
                          runs: runs, standing: schedules.last?.address == task.address ? schedules.last : nil) {
            case .act(let action):
                if options.runsOnly && !runs.belongsToRun(action) { return }
                if action.kind == .create && options.awaitingImport.contains(task.address) {
                    actions.append(PlannedAction(address: task.address, kind: .import,
                                                 reason: "its import entry is read from the API by plan and apply"))
                    return
                }
                actions.append(action)
            case .leave: break
            case .refuse(let problem): problems.append(problem)
            }
        }
        desired.withUnsafeBufferPointer { tasks in
            for index in tasks.indices where scope.includes(tasks[index]) { consider(tasks[index], compared[index]) }
        }

        let departures = options.runsOnly
            ? Departures()
            : depart(entries, matched: compared.count { $0 != nil }, desired: desired, scope: scope, prune: options.prune)
        actions += departures.actions
        if let problem = massDelete(departures.deletes, managed: entries.count - departures.deposed,
                                    allowed: options.allowMassDelete) {
            problems.append(.init(problem))
        }
        problems += protectedDeletes(actions, desired: desired, by: "this plan")
        if !problems.isEmpty { throw PlanningError(problems: problems) }

        var plan = Plan(actions: actions, orphans: departures.orphans, drift: refreshed?.report.items ?? [],
                        stateLineage: state?.lineage, stateSerial: state?.serial, endpoint: options.endpoint,
                        refreshed: live != nil)
        plan.schedules = schedules
        plan.looks = looks
        plan.pending = Holding(desired: desired, entries: entries, pending: state?.pending ?? [:], runs: runs, scope: scope,
                               options: options).hold(&plan.actions)
        plan.startsDueRuns = options.startsDueRuns
        if !options.runsOnly, let scheduled = state?.scheduled, !scheduled.isEmpty {
            let stillScheduled = Set(desired.lazy.filter { $0.run.when == .schedule }.map(\.address))
            plan.unscheduled = scheduled.keys.filter { !stillScheduled.contains($0) && scope.includes(address: $0) }.sorted()
        }
        return plan
    }

    /// `--target`, `--exclude` and `--run` patterns that name no task: a misspelt address would otherwise plan nothing.
    static func patternsMatchingNothing(desired: [DesiredTask], state: State?, options: PlanOptions) -> [PlanningError.Problem] {
        var problems: [PlanningError.Problem] = []
        if !options.selection.targets.isEmpty || !options.selection.excludes.isEmpty {
            let known = desired.map(\.address) + (state.map { Array($0.tasks.keys) } ?? [])
            problems = options.selection.patternsMatchingNothing(in: known).map {
                .init("\($0) matches no task in the manifests or the state; check its spelling (`batchctl render` lists the addresses)")
            }
        }
        for pattern in options.runs where !desired.contains(where: { pattern.matches($0.address) }) {
            problems.append(.init("\(pattern.pattern) matches no task in the manifests; check its spelling (`batchctl render` lists the addresses)"))
        }
        return problems
    }

    /// A plan that deletes the managed tasks `targets` selects, and with `sets`, only those of these task sets.
    ///
    /// A deposed entry is selected by the address it was deposed from, so destroying a task takes its deposed
    /// copies with it.
    public static func destroy(state: State, targets: TaskSelection, sets: Set<String>?, endpoint: String) -> Plan {
        var actions: [PlannedAction] = []
        for (address, entry) in state.tasks.sorted(by: { $0.key < $1.key }) {
            let original = StateAddress.parseDeposed(address)?.address ?? address
            guard targets.includes(address: original) else { continue }
            if let sets, !sets.contains(setName(of: original)) { continue }
            actions.append(PlannedAction(address: address, kind: .delete, id: entry.id, changes: entryChanges(entry),
                                         reason: "destroy"))
        }
        var plan = Plan(actions: actions, orphans: [], drift: [], stateLineage: state.lineage, stateSerial: state.serial,
                        endpoint: endpoint, refreshed: false)
        plan.unscheduled = state.scheduled.keys.filter { address in
            targets.includes(address: address) && sets.map { $0.contains(setName(of: address)) } != false
        }.sorted()
        return plan
    }

    /// `destroy(state:targets:sets:endpoint:)`, refused where it would delete a task whose manifest (in `desired`)
    /// says `lifecycle.preventDestroy`.
    public static func destroy(state: State, targets: TaskSelection, sets: Set<String>?, endpoint: String,
                               protecting desired: [DesiredTask]) throws(PlanningError) -> Plan {
        let plan = destroy(state: state, targets: targets, sets: sets, endpoint: endpoint)
        let problems = protectedDeletes(plan.actions, desired: desired, by: "destroy")
        if !problems.isEmpty { throw PlanningError(problems: problems) }
        return plan
    }

    /// A digest of everything the manifests ask for: one SHA-256 over every task's address, fields (as sent),
    /// dependencies and lifecycle, streamed task by task. The same manifests give the same bytes in the same order.
    public static func digest(_ desired: [DesiredTask]) -> String {
        // Fixed chunks hashed on every core, then the chunk hashes hashed in order: the same tasks always give the
        // same digest, whatever the machine.
        let chunk = 4096
        let ranges = stride(from: 0, to: desired.count, by: chunk).map { $0..<min($0 + chunk, desired.count) }
        let parts = Parallel.map(ranges, minimumPerChunk: 1) { range -> [UInt8] in
            var hasher = SHA256()
            var writer = JSONWriter()
            for task in desired[range] {
                writer.bytes.removeAll(keepingCapacity: true)
                writer.beginArray()
                writer.writeString(task.address)
                task.info.write(to: &writer)
                writer.beginArray()
                for dependency in task.dependsOn { writer.writeString(dependency) }
                writer.endArray()
                writer.writeBool(task.lifecycle.preventDestroy)
                writer.writeBool(task.lifecycle.createBeforeDestroy)
                writer.beginArray()
                for field in task.lifecycle.ignoreChanges.map(\.rawValue).sorted() { writer.writeString(field) }
                writer.endArray()
                if !task.run.isDefault {
                    let run = task.run
                    writer.writeString(run.when.rawValue)
                    writer.writeString(run.schedule.map { "\($0.cron) \($0.timeZone.identifier) \($0.startingDeadline ?? -1)" } ?? "")
                    writer.writeInt(Int64(run.history))
                    writer.writeString(run.concurrency.rawValue)
                    writer.writeString("\(run.retry.limit) \(run.retry.backoff) \(run.retry.factor) \(run.retry.maxBackoff)")
                    writer.writeString(run.timeout.map { "\($0)" } ?? "")
                    writer.writeBool(run.suspend)
                    writer.writeInt(Int64(run.pauseAfterFailures ?? 0))
                    // Written only when set, so plans saved before the key existed keep their digest.
                    if run.catchUp != .latest { writer.writeString(run.catchUp.rawValue) }
                }
                if let runTime = task.runTime { writer.writeString(runTime.templates) }
                writer.endArray()
                writer.bytes.append(10)
                hasher.update(data: writer.bytes)
            }
            return Array(hasher.finalize())
        }
        return Fingerprint.sha256(parts.flatMap { $0 })
    }

    /// The task set an address belongs to: the part before the first `/`.
    static func setName(of address: String) -> String {
        StateAddress.setName(of: address)
    }
}

// MARK: - The steps of a plan

extension Planner {
    /// `--target`, `--exclude` and `--selector`, with the labels of each task set at hand, and the sets the run holds:
    /// what a plan may act on.
    public struct Scope: Sendable {
        let selection: TaskSelection
        let labels: [String: [String: String]]
        /// `PlanOptions.lockedSets`.
        let locked: Set<String>?

        public init(selection: TaskSelection, sets: [TaskSetSummary], locked: Set<String>? = nil) {
            self.selection = selection
            var labels: [String: [String: String]] = [:]
            for set in sets { labels[set.name] = set.labels }
            self.labels = labels
            self.locked = locked
        }

        func includes(_ task: DesiredTask) -> Bool {
            selects(task.address, labelsOf: task.setName)
        }

        /// For the address of a task of the manifests (`set/key`), with its set's labels.
        public func includesTask(at address: String) -> Bool {
            selects(address, labelsOf: StateAddress.setName(of: address))
        }

        private func selects(_ address: String, labelsOf set: String) -> Bool {
            holds(address) && selection.includes(address: address, labels: labels[set] ?? [:])
        }

        /// For an address without a task in the manifests (a move's target, a departed entry): no set labels.
        func includes(address: String) -> Bool {
            holds(address) && selection.includes(address: address)
        }

        /// Whether the run holds the lock of the address's set.
        func holds(_ address: String) -> Bool {
            locked?.contains(StateAddress.setName(of: address)) ?? true
        }
    }

    /// The state's entries after the moves, the move actions, and the addresses entries were moved into.
    struct Moved {
        var entries: [String: StateEntry]
        var actions: [PlannedAction] = []
        var into = Set<String>()
    }

    /// Adds an entry for each import, recorded as `Import.entry` records it, with an `import` action; an address the
    /// state (after the moves) already has is left alone: the entry is a no-op once imported.
    static func carryImports(_ imports: [ResolvedImport], desired: [DesiredTask], into moved: inout Moved, scope: Scope,
                             options: PlanOptions, problems: inout [PlanningError.Problem]) {
        guard !imports.isEmpty else { return }
        let tasks = Dictionary(desired.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        var owners = State.owners(moved.entries)
        let at = Timestamp.string(options.now)
        for item in imports where moved.entries[item.address] == nil {
            guard let task = tasks[item.address], scope.includes(task) else { continue }
            if let owner = owners[item.id] {
                problems.append(.init("cannot import task \(item.id) to \(item.address): it is already managed as \(owner)", at: item.location))
                continue
            }
            owners[item.id] = item.address
            moved.entries[item.address] = Import.entry(for: task, id: item.id, live: item.live, at: at, secrets: options.secrets)
            moved.into.insert(item.address)
            moved.actions.append(PlannedAction(address: item.address, kind: .import, id: item.id))
        }
    }

    static func carryMoves(_ moves: [Move], entries: [String: StateEntry], scope: Scope,
                           problems: inout [PlanningError.Problem]) -> Moved {
        var moved = Moved(entries: entries)
        for move in moves where scope.includes(address: move.to) {
            guard let entry = moved.entries[move.from] else { continue }  // already moved, or never applied
            guard scope.holds(move.from) else {
                // Planned without its entry, the task would be created a second time.
                problems.append(.init("cannot move \(move.from) to \(move.to): this run does not hold the lock of the task set \(StateAddress.setName(of: move.from))",
                                      at: move.location))
                continue
            }
            if moved.entries[move.to] != nil {
                problems.append(.init("cannot move \(move.from) to \(move.to): the state has both; remove one with `batchctl state rm`",
                                      at: move.location))
                continue
            }
            moved.entries[move.to] = entry
            moved.entries[move.from] = nil
            moved.into.insert(move.to)
            moved.actions.append(PlannedAction(address: move.to, kind: .move, id: entry.id, reason: "moved from \(move.from)",
                                               movedFrom: move.from))
        }
        return moved
    }

    /// A desired task's entry id and the fields that differ from it; nil where the state has no entry.
    typealias Comparison = (id: Int32, changes: [FieldChange])

    /// Comparing fields is most of a large plan's work, and each task's comparison stands alone: every core takes a
    /// share.
    static func compareAll(_ desired: [DesiredTask], _ entries: [String: StateEntry], _ secrets: SecretHasher,
                           _ fields: FieldModel = .standard) -> [Comparison?] {
        Parallel.map(desired, minimumPerChunk: 4096) { task in
            entries[task.address].map { entry in (id: entry.id, changes: compare(task, entry, secrets, fields)) }
        }
    }

    /// The live tasks and the drift report made from them once, for every task's decision.
    struct Refreshed {
        let live: [Int32: BatchTaskInfo]
        let report: DriftReport
        /// Modified entries by address; most plans have few.
        let modified: [String: [FieldChange]]
        let selection: TaskSelection
        let secrets: SecretHasher
        let fields: FieldModel
        /// Whether drift is planned back (`PlanOptions.revertsDrift`).
        let reverts: Bool

        init(live: [Int32: BatchTaskInfo], report: DriftReport, selection: TaskSelection, secrets: SecretHasher,
             fields: FieldModel = .standard, reverts: Bool = true) {
            self.live = live
            self.fields = fields
            self.report = report
            self.reverts = reverts
            var modified: [String: [FieldChange]] = [:]
            for item in report.items where item.kind == .modified { modified[item.address] = item.changes }
            self.modified = modified
            self.selection = selection
            self.secrets = secrets
        }

        /// What the server changed of the task's fields since they were applied.
        func drift(of task: DesiredTask, entry: StateEntry, current: BatchTaskInfo) -> [FieldChange] {
            // The report selects by address alone; a task that only its set's labels select is read here.
            guard selection.includes(address: task.address) else {
                return Drift.changes(entry: entry, live: current, ignoring: task.lifecycle.ignoreChanges, secrets: secrets, fields: fields)
            }
            return modified[task.address] ?? []
        }
    }

    /// What becomes of one desired task.
    enum Decision {
        case act(PlannedAction)
        /// Unchanged since it was moved: the move action says all there is.
        case leave
        case refuse(PlanningError.Problem)
    }

    /// `entries` and `movedInto` are looked into only where needed: at 100,000 unchanged tasks every lookup counts.
    static func decide(_ task: DesiredTask, comparison: Comparison?, entries: [String: StateEntry], refreshed: Refreshed?,
                       movedInto: Set<String>, runs: Runs = Runs(), standing: ScheduledTask? = nil) -> Decision {
        let asked = runs.asked(task.address)
        if asked, let problem = runs.slotProblem(task) { return .refuse(problem) }
        if let standing, !asked {
            return .act(runs.scheduledAction(task, standing, id: comparison?.id, entry: entries[task.address]))
        }
        guard case .some((let id, var changes)) = comparison else {
            return .act(PlannedAction(address: task.address, kind: .create, changes: creationChanges(task),
                                      reason: asked ? "its first run" + runs.askedSlotText(task) : nil,
                                      slot: asked ? runs.askedSlot : nil))
        }
        var reason: String?
        if let refreshed, let entry = entries[task.address] {
            guard let current = refreshed.live[id] else {
                if !refreshed.reverts && changes.isEmpty && !asked { return .leave }
                return .act(PlannedAction(address: task.address, kind: .create, changes: creationChanges(task),
                                          reason: "missing from the API (id \(id) is gone)", slot: asked ? runs.askedSlot : nil))
            }
            let drifted = !refreshed.reverts && changes.isEmpty && !asked ? [] : refreshed.drift(of: task, entry: entry, current: current)
                .filter { change in !changes.contains { $0.field == change.field } }
            if !drifted.isEmpty {
                reason = "changed outside batchctl: " + drifted.map(\.field.rawValue).joined(separator: ", ")
                // Shown as server value -> desired value: what applying will do.
                for change in drifted {
                    changes.append(FieldChange(field: change.field, before: change.after, after: task.displayedValue(change.field)))
                }
            }
        }
        if asked {
            // Asked for by name, a suspended task still runs; the reason says it is suspended.
            let held = Runs.suspension(task, entries[task.address]).map { "; it is suspended (\(Runs.describe($0)))" } ?? ""
            return .act(PlannedAction(address: task.address, kind: .run, id: id, changes: changes,
                                      reason: "a new run asked for" + runs.askedSlotText(task) + (reason.map { "; \($0)" } ?? "") + held,
                                      slot: runs.askedSlot))
        }
        if let retry = runs.retryAction(task, entry: entries[task.address], id: id, changes: changes) { return .act(retry) }
        if changes.isEmpty {
            return movedInto.contains(task.address) ? .leave : .act(PlannedAction(address: task.address, kind: .noop, id: id))
        }
        if task.run.when == .onChange {
            return .act(PlannedAction(address: task.address, kind: .run, id: id, changes: changes,
                                      reason: reason ?? "fields changed, and it runs on change"))
        }
        let needsReplace = changes.filter { $0.field.role != .updatable }.map(\.field)
        if !needsReplace.isEmpty && task.lifecycle.preventDestroy {
            return .refuse(.init("\(task.address) has lifecycle.preventDestroy, but \(needsReplace.map(\.rawValue).joined(separator: ", ")) changed, which needs a replace; change those fields back, or remove preventDestroy first",
                                 at: task.source))
        }
        return .act(PlannedAction(address: task.address, kind: needsReplace.isEmpty ? .update : .replace, id: id,
                                  changes: changes, reason: reason, createBeforeDestroy: task.lifecycle.createBeforeDestroy))
    }

    /// What the plan knows of runs: which tasks were asked to run, and the schedules' clock.
    struct Runs {
        var patterns: [Glob] = []
        var startsDueRuns = false
        /// `PlanOptions.follows`.
        var follows: Set<String> = []
        var now = Date()
        var scheduled: [String: String] = [:]
        /// The state's pending runs, by address.
        var pending: [String: [PendingRun]] = [:]
        /// `run ADDR --slot TIME`: the slot the asked runs are for.
        var slot: Date?

        init() {}

        init(options: PlanOptions, scheduled: [String: String], pending: [String: [PendingRun]] = [:]) {
            patterns = options.runs
            startsDueRuns = options.startsDueRuns
            follows = options.follows
            now = options.now
            slot = options.slot
            self.scheduled = scheduled
            self.pending = pending
        }

        /// The latest slot a scheduled task is done with, from which its next slot is counted: the latest of its
        /// runs' slots (the current run's start when it has no slot), a slot passed without a run (`scheduled`), and
        /// its pending runs' slots. A run for an older slot (`run --slot`, a catch-up) does not move it back. Nil: the
        /// state has never seen the task.
        func since(_ address: String, entry: StateEntry?) -> String? {
            var latest = entry.map { $0.slot ?? $0.appliedAt }
            func consider(_ slot: String?) {
                guard let slot, let known = latest else {
                    if latest == nil { latest = slot }
                    return
                }
                if Timestamp.date(slot).flatMap({ date in Timestamp.date(known).map { date > $0 } }) == true { latest = slot }
            }
            for run in entry?.history ?? [] { consider(run.slot) }
            consider(scheduled[address])
            for run in pending[address] ?? [] { consider(run.slot) }
            return latest
        }

        /// The slot the asked runs are for, as the state writes it; nil without `--slot`.
        var askedSlot: String? { slot.map(Timestamp.string) }

        /// `, for slot 2026-12-02T01:00:00+01:00`: the asked slot in the task's schedule's wall clock; empty without one.
        func askedSlotText(_ task: DesiredTask) -> String {
            guard let slot else { return "" }
            let zone = task.run.schedule.map { Self.name(of: $0.timeZone) } ?? "UTC"
            return ", for slot \(ScheduledTask.wallClock(slot, in: zone))"
        }

        /// Why the asked slot cannot be a run of `task`: it is still to come, or (for a scheduled task) it is not a
        /// slot of the schedule, which names the slots around it.
        func slotProblem(_ task: DesiredTask) -> PlanningError.Problem? {
            guard let slot else { return nil }
            guard let schedule = task.run.schedule, task.run.when == .schedule else {
                guard slot > now else { return nil }
                return .init("--slot \(Timestamp.string(slot)) is still to come; a run is started for a slot that has come", at: task.source)
            }
            let zone = Self.name(of: schedule.timeZone)
            let wall = ScheduledTask.wallClock(slot, in: zone)
            if slot > now {
                return .init("--slot \(wall) is still to come; \(task.address) runs for it by itself when it is due", at: task.source)
            }
            guard !schedule.isSlot(slot) else { return nil }
            let around = [schedule.slot(before: slot).map { "before it \(ScheduledTask.wallClock($0, in: zone))" },
                          schedule.cron.next(after: slot, in: schedule.timeZone).map { "after it \(ScheduledTask.wallClock($0, in: zone))" }]
                .compactMap { $0 }
            let slots = around.isEmpty ? "" : "; the slot " + around.joined(separator: ", and ")
            return .init("--slot \(wall) is not a slot of \(task.address)'s schedule \(schedule.cron) (\(zone))\(slots)", at: task.source)
        }

        func asked(_ address: String) -> Bool {
            !patterns.isEmpty && patterns.contains { $0.matches(address) }
        }

        /// Whether `batchctl run` keeps the action: runs, first runs of tasks asked for, and registrations.
        func belongsToRun(_ action: PlannedAction) -> Bool {
            switch action.kind {
            case .run: return true
            // `run --due` takes up new scheduled tasks; `run ADDR` locks the sets of ADDR only.
            case .schedule: return startsDueRuns
            case .create: return asked(action.address)
            default: return false
            }
        }

        /// When a scheduled task was last due: the slot its current run started for, else when it started, else
        /// since when the state has it scheduled; a task the state has never seen is scheduled from now.
        /// A suspended task has no slot due: nothing starts while it is suspended.
        func standing(of task: DesiredTask, _ schedule: RunSchedule, entry: StateEntry?) -> ScheduledTask {
            let since = since(task.address, entry: entry)
            let catchUp = task.run.catchUp == .all ? RunPolicy.catchUpLimit : 1
            let due = schedule.due(since: since.flatMap(Timestamp.date) ?? now, now: now, catchUp: catchUp)
            let suspended = Self.suspension(task, entry)
            var standing = ScheduledTask(
                address: task.address, cron: schedule.cron.description, timeZone: Self.name(of: schedule.timeZone), since: since,
                dueSlot: suspended == nil ? due.fire.map(Timestamp.string) : nil, next: due.next.map(Timestamp.string),
                missed: due.missedCount, missedIsLowerBound: due.missedCountIsLowerBound, lastMissed: due.missed.last.map(Timestamp.string))
            standing.suspended = suspended
            if suspended == nil && task.run.catchUp == .all { standing.catchUp = due.firing.map(Timestamp.string) }
            standing.retry = entry.flatMap { Self.pendingRetry(task, $0) }
            return standing
        }

        /// Why nothing starts by itself: the manifest's `run.suspend`, else the state's suspension.
        static func suspension(_ task: DesiredTask, _ entry: StateEntry?) -> ScheduledTask.SuspendedBy? {
            if task.run.suspend { return .manifest }
            return entry?.suspension.map { .state($0) }
        }

        /// `run.suspend in the manifest`, `paused after 2 failed runs by batchctl`.
        static func describe(_ suspended: ScheduledTask.SuspendedBy) -> String {
            switch suspended {
            case .manifest: return "run.suspend in the manifest"
            case .state(let suspension): return "\(suspension.reason), by \(suspension.by) at \(suspension.at)"
            }
        }

        /// The next attempt of the entry's failed run, when one is to come: not when the manifests lowered
        /// `retry.limit` below it since.
        static func pendingRetry(_ task: DesiredTask, _ entry: StateEntry) -> ScheduledTask.PendingRetry? {
            guard let at = entry.retryAt, entry.outcome?.isFailure == true, task.run.retry.retries(afterAttempt: entry.attempt) else {
                return nil
            }
            return ScheduledTask.PendingRetry(attempt: entry.attempt + 1, limit: task.run.retry.limit, at: at)
        }

        /// The current run to look at and settle: one batchctl watches (`run.watchesRuns`) or a `--wait` pass
        /// follows, and has not settled yet.
        func look(_ task: DesiredTask, entries: [String: StateEntry]) -> RunLook? {
            guard (startsDueRuns && task.run.watchesRuns) || follows.contains(task.address), let entry = entries[task.address], entry.outcome == nil else { return nil }
            return RunLook(address: task.address, id: entry.id)
        }

        /// With `startsDueRuns`, or for an address a `--wait` pass follows, the next attempt of a failed run whose
        /// backoff has passed, unless the task is suspended.
        /// `entry` is read only for such a run: a plan's 100,000 unchanged tasks need not copy theirs.
        func retryAction(_ task: DesiredTask, entry: @autoclosure () -> StateEntry?, id: Int32?,
                         changes: [FieldChange] = []) -> PlannedAction? {
            guard startsDueRuns || follows.contains(task.address), let entry = entry(), Self.suspension(task, entry) == nil, let retry = Self.pendingRetry(task, entry),
                  let at = Timestamp.date(retry.at), at <= now else { return nil }
            return PlannedAction(address: task.address, kind: .run, id: id ?? entry.id, changes: changes,
                                 reason: retry.label + (entry.outcome == .timedOut ? " after a timeout" : " after a failed run"),
                                 slot: entry.slot, attempt: retry.attempt)
        }

        /// The zone's IANA name; Foundation names UTC "GMT" here, which manifests do not accept.
        static func name(of zone: TimeZone) -> String {
            zone.identifier == "GMT" ? "UTC" : zone.identifier
        }

        /// A scheduled task changes nothing when it is applied: it runs when due (with `run --due`), and a task
        /// the state has not seen yet is registered, so its first slot is counted from now.
        /// A due slot starts attempt 1 and wins over a pending retry.
        func scheduledAction(_ task: DesiredTask, _ standing: ScheduledTask, id: Int32?, entry: StateEntry? = nil) -> PlannedAction {
            if startsDueRuns, let slot = standing.dueSlot {
                let wall = Timestamp.date(slot).map { ScheduledTask.wallClock($0, in: standing.timeZone) } ?? slot
                // Caught up one slot a pass: the next pass starts the next.
                let turn = standing.catchUp.count > 1 ? "; 1 of \(standing.catchUp.count) slots to catch up" : ""
                return PlannedAction(address: task.address, kind: .run, id: id,
                                     changes: id == nil ? creationChanges(task) : [], reason: "due at \(wall)" + turn, slot: slot)
            }
            if let retry = retryAction(task, entry: entry, id: id) { return retry }
            if id == nil && standing.since == nil {
                let first = standing.next.flatMap(Timestamp.date).map { ScheduledTask.wallClock($0, in: standing.timeZone) } ?? "never"
                return PlannedAction(address: task.address, kind: .schedule,
                                     reason: "runs on schedule \(standing.cron) (\(standing.timeZone)); first due \(first)",
                                     slot: Timestamp.string(now))
            }
            return PlannedAction(address: task.address, kind: .noop, id: id)
        }
    }

    /// What becomes of the entries no desired task matched.
    struct Departures {
        var actions: [PlannedAction] = []
        var orphans: [Orphan] = []
        /// Deletes of departed tasks (`--prune`), which the mass-delete guard counts.
        var deletes = 0
        /// Deposed entries, which are not managed tasks of their own.
        var deposed = 0
    }

    /// A departed entry is an orphan, or with `prune` a delete. A deposed entry is always deleted: its task was
    /// replaced, and only a killed run left it behind.
    static func depart(_ entries: [String: StateEntry], matched: Int, desired: [DesiredTask], scope: Scope,
                       prune: Bool) -> Departures {
        var departures = Departures()
        // Addresses are unique, so when every entry was matched by a desired task, none has left.
        guard matched < entries.count else { return departures }
        let desiredAddresses = Set(desired.map(\.address))
        // Only the entries that left the manifests are sorted, not the whole state.
        var departed: [(address: String, entry: StateEntry)] = []
        for (address, entry) in entries where !desiredAddresses.contains(address) { departed.append((address, entry)) }
        departed.sort { $0.address < $1.address }
        for (address, entry) in departed {
            if let deposed = StateAddress.parseDeposed(address) {
                departures.deposed += 1
                guard scope.includes(address: deposed.address) else { continue }
                departures.actions.append(PlannedAction(
                    address: address, kind: .delete, id: entry.id, changes: entryChanges(entry),
                    reason: "deposed by a create-before-destroy replace of \(deposed.address)"))
                continue
            }
            guard scope.includes(address: address) else { continue }
            if prune {
                departures.deletes += 1
                departures.actions.append(PlannedAction(address: address, kind: .delete, id: entry.id,
                                                        changes: entryChanges(entry), reason: "no longer in the manifests"))
            } else {
                departures.orphans.append(Orphan(address: address, id: entry.id))
            }
        }
        return departures
    }

}

// MARK: - Comparing

extension Planner {
    /// `differences`, with a shortcut for the common case of a large plan: an entry read from the state file whose
    /// text is byte for byte what this task would record has no differences, and its fields need not be read. A
    /// task with a secret always takes the long way: its markers may be from before keyed hashes.
    static func compare(_ task: DesiredTask, _ entry: StateEntry, _ secrets: SecretHasher,
                        _ fields: FieldModel = .standard) -> [FieldChange] {
        if task.runTime != nil { return compareAtRun(task, entry, secrets, fields) }
        guard task.redactions.isEmpty, entry.appliedIsText, entry.appliedText(is: task.recordText(secrets)) else {
            return differences(task, entry, secrets, fields)
        }
        return []
    }

    /// A task whose fields use `${run.*}`: they are evaluated as the entry's run knew itself and compared with what
    /// that run was sent, so a changed template is a change and a new slot is not. An entry that recorded no run
    /// context (the fields did not use `${run.*}` when it was applied) differs in them.
    static func compareAtRun(_ task: DesiredTask, _ entry: StateEntry, _ secrets: SecretHasher,
                             _ fields: FieldModel = .standard) -> [FieldChange] {
        guard let runTime = task.runTime else { return compare(task, entry, secrets, fields) }
        if let context = entry.runContext, let sent = try? task.forRun(context) {
            return compare(sent, entry, secrets, fields)
        }
        var changes = differences(task, entry, secrets, fields)
        guard case .object(let applied) = entry.applied else { return changes }
        for field in runTime.fields where applied[field.rawValue] == nil && !task.lifecycle.ignoreChanges.contains(field) {
            changes.append(FieldChange(field: field, before: nil, after: task.displayedValue(field)))
        }
        if changes.count > 1 { changes.sort { $0.field.apiPosition < $1.field.apiPosition } }
        return changes
    }

    /// Fields whose desired value differs from what was applied; `ignoreChanges` fields are left alone, and so are
    /// the fields the server sets (`FieldModel`): DetailsTable and DetailsRecord beside a ParameterObject, which a
    /// state from before the server's link was known may still record.
    static func differences(_ task: DesiredTask, _ entry: StateEntry, _ secrets: SecretHasher,
                            _ model: FieldModel = .standard) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return creationChanges(task) }
        let ignored = task.lifecycle.ignoreChanges
        let withParameters = task.info.parameterObject != nil || applied[BatchTaskField.parameterObject.rawValue].map { !$0.isNull } == true
        var changes: [FieldChange] = []
        // Fields that were applied: changed or removed.
        for (name, before) in applied {
            guard let field = BatchTaskField(rawValue: name), model.isCompared(field, withParameterObject: withParameters),
                  !ignored.contains(field) else { continue }
            if task.records(field, as: before, secrets, model) { continue }
            changes.append(FieldChange(field: field, before: Drift.displayed(before), after: task.displayedValue(field)))
        }
        // Fields that are new.
        for field in task.info.presentFields where applied[field.rawValue] == nil && !ignored.contains(field)
            && model.isCompared(field, withParameterObject: withParameters) {
            changes.append(FieldChange(field: field, before: nil, after: task.displayedValue(field)))
        }
        if changes.count > 1 { changes.sort { $0.field.apiPosition < $1.field.apiPosition } }
        return changes
    }

    static func creationChanges(_ task: DesiredTask) -> [FieldChange] {
        guard let runTime = task.runTime else {
            return task.info.presentFields.map { FieldChange(field: $0, before: nil, after: task.displayedValue($0)) }
        }
        return (task.info.presentFields + runTime.fields).sorted { $0.apiPosition < $1.apiPosition }
            .map { FieldChange(field: $0, before: nil, after: task.displayedValue($0)) }
    }

    /// The applied fields of an entry that is deleted, as before -> nothing.
    static func entryChanges(_ entry: StateEntry) -> [FieldChange] {
        guard case .object(let applied) = entry.applied else { return [] }
        return applied.compactMap { name, value in
            BatchTaskField(rawValue: name).map { FieldChange(field: $0, before: Drift.displayed(value), after: nil) }
        }
    }
}

extension BatchTaskField {
    /// Position in the API's property order, for listing changes the way the API lists fields.
    var apiPosition: Int { Self.positions[self] ?? Int.max }

    private static let positions: [BatchTaskField: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($0.element, $0.offset) })

}
