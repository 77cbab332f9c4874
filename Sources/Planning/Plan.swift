import BatchTask
import Foundation
import JSON
import Schedule
import State

/// What a plan does to one address.
public enum ActionKind: String, Sendable, CaseIterable {
    case create, update, replace, delete, move
    /// A task the API already holds, adopted into the state (an `import` entry); what differs follows as an update
    /// or a replace of the same address.
    case `import`
    /// A new run of the task: the same fields started again; the current run joins the history.
    case run
    /// A scheduled task the state starts counting its schedule for; it runs when due.
    case schedule
    case noop = "no-op"

    /// The terraform-style symbol shown before the address.
    public var symbol: String {
        switch self {
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .move: return "->"
        case .import: return "<="
        case .run: return ">"
        case .schedule: return "@"
        case .noop: return " "
        }
    }
}

/// One field's value before and after, as shown to people (secrets as `(sensitive)`).
public struct FieldChange: Hashable, Sendable {
    public var field: BatchTaskField
    public var before: JSONValue?
    public var after: JSONValue?

    public init(field: BatchTaskField, before: JSONValue?, after: JSONValue?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// One planned action.
public struct PlannedAction: Hashable, Sendable {
    public var address: String
    public var kind: ActionKind
    /// The task's id on the server, where one exists.
    public var id: Int32?
    public var changes: [FieldChange]
    /// Why, when it is not obvious: "missing from the API", "changed outside batchctl", "moved from x".
    public var reason: String?
    /// For a move: the address the state entry comes from.
    public var movedFrom: String?
    /// For a replace: create the new task before deleting the old one.
    public var createBeforeDestroy: Bool
    /// For a scheduled run: the slot it is started for (ISO 8601 UTC); for a `schedule` action: since when.
    public var slot: String?
    /// For a run: which attempt of its slot it starts (2 for the first retry).
    public var attempt: Int

    public init(address: String, kind: ActionKind, id: Int32? = nil, changes: [FieldChange] = [], reason: String? = nil,
                movedFrom: String? = nil, createBeforeDestroy: Bool = false, slot: String? = nil, attempt: Int = 1) {
        self.address = address
        self.kind = kind
        self.id = id
        self.changes = changes
        self.reason = reason
        self.movedFrom = movedFrom
        self.createBeforeDestroy = createBeforeDestroy
        self.slot = slot
        self.attempt = attempt
    }
}

/// A current run that is looked at (its State read) and settled once it ended or ran past its `run.timeout`: not a
/// change, so a plan of looks alone still reads "No changes".
public struct RunLook: Hashable, Sendable {
    public var address: String
    public var id: Int32

    public init(address: String, id: Int32) {
        self.address = address
        self.id = id
    }
}

/// A pending run as a plan carries it: held by this plan (recorded when it is applied), or already in the state; and
/// what starts once everything it waits for has Succeeded.
public struct PendingStep: Hashable, Sendable {
    public var address: String
    public var run: PendingRun
    /// Held by this plan, rather than found in the state.
    public var isNew: Bool
    /// What starts once it is ready: a create, replace or run of the task, with the run's slot.
    public var action: PlannedAction

    public init(address: String, run: PendingRun, isNew: Bool, action: PlannedAction) {
        self.address = address
        self.run = run
        self.isNew = isNew
        self.action = action
    }
}

/// A state entry whose task left the manifests; deleted only with `--prune`.
public struct Orphan: Hashable, Sendable {
    public var address: String
    public var id: Int32

    public init(address: String, id: Int32) {
        self.address = address
        self.id = id
    }
}

/// A difference between what was applied and what the server holds now.
public struct DriftItem: Hashable, Sendable {
    public enum Kind: String, Sendable {
        case modified, missing
    }

    public var address: String
    public var id: Int32
    public var kind: Kind
    /// For `modified`: before = as applied, after = as the server has it.
    public var changes: [FieldChange]

    public init(address: String, id: Int32, kind: Kind, changes: [FieldChange]) {
        self.address = address
        self.id = id
        self.kind = kind
        self.changes = changes
    }
}

/// Where a scheduled task stands: when it is next due and what it missed.
public struct ScheduledTask: Hashable, Sendable {
    public var address: String
    /// The schedule as written and its time zone's IANA name.
    public var cron: String
    public var timeZone: String
    /// The slot the last run was started for (or the time the task has been scheduled since), ISO 8601 UTC.
    public var since: String?
    /// The slot a run starts for now (`run --due`), if one is due.
    public var dueSlot: String?
    /// The first slot after now.
    public var next: String?
    /// Slots since the last run that will not run: all but the latest, and the latest when it is past
    /// `startingDeadline`.
    public var missed: Int
    /// True when counting stopped at the limit: at least `missed` slots were missed.
    public var missedIsLowerBound: Bool
    /// The latest missed slot.
    public var lastMissed: String?
    /// Why no run starts while it is set: `run.suspend` in the manifest, `schedule suspend`, or a pause after
    /// failures (the state's suspension).
    public var suspended: SuspendedBy?
    /// The next attempt of a failed run, when one is due or waiting for its backoff.
    public var retry: PendingRetry?
    /// With `run.catchUp: all`, every slot due now that will run, oldest first (ISO 8601 UTC): one starts each pass,
    /// `dueSlot` first. Empty otherwise.
    public var catchUp: [String] = []

    /// Where a task's suspension comes from.
    public enum SuspendedBy: Hashable, Sendable {
        /// `run.suspend: true` in the manifest.
        case manifest
        /// `schedule suspend`, or a pause after failures: as the state records it.
        case state(Suspension)
    }

    /// A retry to come: `attempt` of `limit + 1`, due at `at` (ISO 8601 UTC).
    public struct PendingRetry: Hashable, Sendable {
        public var attempt: Int
        public var limit: Int
        public var at: String

        public init(attempt: Int, limit: Int, at: String) {
            self.attempt = attempt
            self.limit = limit
            self.at = at
        }

        /// `retry 2/3`: the retry's number among the retries allowed.
        public var label: String { "retry \(attempt - 1)/\(limit)" }
    }

    public init(address: String, cron: String, timeZone: String, since: String?, dueSlot: String?, next: String?,
                missed: Int, missedIsLowerBound: Bool, lastMissed: String?) {
        self.address = address
        self.cron = cron
        self.timeZone = timeZone
        self.since = since
        self.dueSlot = dueSlot
        self.next = next
        self.missed = missed
        self.missedIsLowerBound = missedIsLowerBound
        self.lastMissed = lastMissed
    }
}

extension ScheduledTask {
    /// A time as the schedule's wall clock reads it, with its offset: `2026-12-02T02:00:00+01:00`.
    public static func wallClock(_ date: Date, in timeZoneName: String) -> String {
        guard let zone = TimeZoneName.zone(timeZoneName) ?? TimeZone(identifier: timeZoneName) else { return date.ISO8601Format() }
        return date.ISO8601Format(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: zone))
    }

    /// `wallClock` of a time the plan holds as ISO 8601 UTC text.
    public func wallClock(_ utc: String?) -> String? {
        utc.map { text in Timestamp.date(text).map { Self.wallClock($0, in: timeZone) } ?? text }
    }
}

/// A plan: a value that can be shown, saved, and applied later exactly as it is.
public struct Plan: Sendable {
    public static let formatVersion = 1

    public var actions: [PlannedAction]
    public var orphans: [Orphan]
    public var drift: [DriftItem]
    /// The state the plan was made against: `apply PLANFILE` refuses a plan whose state has moved on.
    public var stateLineage: String?
    public var stateSerial: Int?
    /// For a saved plan: a digest of what the state held in each set the plan names (`namedSets`), when it was
    /// made (`SavedPlan.setDigests`). `apply PLANFILE` refuses it once one of these sets changed; other sets may
    /// have. Nil in a plan file that predates it: the whole state's serial decides.
    public var stateSets: [String: String]?
    /// A digest of the desired tasks (`Planner.digest`), for a plan that is saved: `apply PLANFILE` refuses a plan
    /// whose manifests changed. Nil until set; only a saved plan needs it.
    public var manifestDigest: String?
    public var endpoint: String
    public var refreshed: Bool
    /// Every scheduled task in scope, by address.
    public var schedules: [ScheduledTask] = []
    /// Scheduled tasks that never ran and are no longer in the manifests (or are destroyed): the state forgets
    /// when they were scheduled. Only the state changes.
    public var unscheduled: [String] = []
    /// Current runs to look at and settle (`run --due`, the controller), by address.
    public var looks: [RunLook] = []
    /// Runs held for what they depend on (new ones) and the state's pending runs in scope, advanced when the plan is
    /// applied.
    public var pending: [PendingStep] = []
    /// Planned with `PlanOptions.startsDueRuns`: the missed slots of `schedules` are reported as skipped.
    public var startsDueRuns = false

    public init(actions: [PlannedAction], orphans: [Orphan], drift: [DriftItem], stateLineage: String?, stateSerial: Int?,
                manifestDigest: String? = nil, endpoint: String, refreshed: Bool) {
        self.actions = actions
        self.orphans = orphans
        self.drift = drift
        self.stateLineage = stateLineage
        self.stateSerial = stateSerial
        self.manifestDigest = manifestDigest
        self.endpoint = endpoint
        self.refreshed = refreshed
    }

    /// The task sets of every address a saved plan carries out something at: where an action is taken and where it
    /// moves from, a pending run is advanced, or a schedule is forgotten (a plan file holds no runs to look at).
    /// Sorted.
    public var namedSets: [String] {
        var sets = Set<String>()
        for action in actions {
            sets.insert(StateAddress.setName(of: action.address))
            if let from = action.movedFrom { sets.insert(StateAddress.setName(of: from)) }
        }
        for step in pending {
            sets.insert(StateAddress.setName(of: step.address))
            sets.insert(StateAddress.setName(of: step.action.address))
        }
        for address in unscheduled { sets.insert(StateAddress.setName(of: address)) }
        return sets.sorted()
    }

    /// Actions that change something (everything but no-op).
    public var changes: [PlannedAction] { actions.filter { $0.kind != .noop } }

    public var hasChanges: Bool { actions.contains { $0.kind != .noop } || !unscheduled.isEmpty || pending.contains(where: \.isNew) }

    /// Whether carrying the plan out does anything: a change, a run to look at, or a pending run to advance.
    public var hasWork: Bool { hasChanges || !looks.isEmpty || !pending.isEmpty }

    /// Runs this plan holds for what they depend on (recorded as pending when it is applied).
    public var holds: [PendingStep] { pending.filter(\.isNew) }

    public func count(_ kind: ActionKind) -> Int { actions.count { $0.kind == kind } }

    /// `Plan: 3 to create, 1 to update, 1 to replace, 0 to delete, 0 to move.` or `No changes.`; imports, runs and
    /// schedules are counted after the moves when there are any.
    public var summaryLine: String {
        guard hasChanges else { return "No changes." }
        var line = "Plan: \(count(.create)) to create, \(count(.update)) to update, \(count(.replace)) to replace, "
            + "\(count(.delete)) to delete, \(count(.move)) to move"
        let imports = count(.import), runs = count(.run), schedules = count(.schedule)
        if imports > 0 { line += ", \(imports) to import" }
        if runs > 0 { line += ", \(runs) to run" }
        if schedules > 0 { line += ", \(schedules) to schedule" }
        if !unscheduled.isEmpty { line += ", \(unscheduled.count) to unschedule" }
        let holds = pending.count(where: \.isNew)
        if holds > 0 { line += ", \(holds) to hold" }
        return line + "."
    }
}
