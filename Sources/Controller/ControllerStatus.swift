import BatchTask
import Foundation
import JSON
import OrderedCollections
import Planning
import State

/// A task set's sync status, as Argo CD names it: whether the server holds what the manifests say.
public enum SyncStatus: String, Sendable, Hashable, CaseIterable {
    /// Every task is as the manifests say, and nothing drifted.
    case synced = "Synced"
    /// Something is planned (a create, update, replace, delete or move), or a task drifted.
    case outOfSync = "OutOfSync"
    /// The last cycle did not get as far as a plan.
    case unknown = "Unknown"
}

/// A task set's health, from the states of its jobs on the server.
public enum HealthStatus: String, Sendable, Hashable, CaseIterable {
    /// Every task Succeeded or SucceededManualCleanup.
    case healthy = "Healthy"
    /// Some task is New, Aquired or Started, and none failed or is missing.
    case progressing = "Progressing"
    /// Some task Failed.
    case degraded = "Degraded"
    /// Some task batchctl manages is gone from the server.
    case missing = "Missing"
    /// The server was not read, or a task's state is not one of the API's.
    case unknown = "Unknown"

    /// The health of a set of tasks: the worst of them, Degraded before Missing before Progressing.
    static func of(_ states: [BatchTaskState?], missing: Int) -> HealthStatus {
        if states.contains(where: { $0 == .failed }) { return .degraded }
        if missing > 0 { return .missing }
        if states.contains(where: { $0?.isInProgress == true }) { return .progressing }
        if states.isEmpty { return .healthy }
        if states.allSatisfy({ $0 == .succeeded || $0 == .succeededManualCleanup }) { return .healthy }
        return .unknown
    }
}

/// Where one task set stands after a cycle.
public struct SetStatus: Sendable, Hashable {
    public var name: String
    public var sync: SyncStatus
    public var health: HealthStatus
    /// Tasks the manifests hold for the set.
    public var taskCount: Int
    /// Tasks by their state on the server (`Missing` for those gone from it); empty when the server was not read.
    public var states: [String: Int]
    /// What the last plan had for the set, by action kind (`create`, `update`, ...), before it was applied.
    public var planned: [String: Int]
    /// Tasks changed outside batchctl or gone from the server, by address.
    public var drifted: [String]

    public init(name: String, sync: SyncStatus, health: HealthStatus, taskCount: Int, states: [String: Int] = [:],
                planned: [String: Int] = [:], drifted: [String] = []) {
        self.name = name
        self.sync = sync
        self.health = health
        self.taskCount = taskCount
        self.states = states
        self.planned = planned
        self.drifted = drifted
    }
}

/// One cycle of the loop.
public struct CycleSummary: Sendable, Hashable {
    public enum Result: String, Sendable, Hashable {
        case success, failure
    }

    public var number: Int
    /// ISO 8601 UTC.
    public var started: String
    public var duration: Duration
    public var result: Result
    /// Why it failed; nil after a success.
    public var error: String?
    /// The actions carried out, by kind and result (`update` -> `succeeded` -> 2).
    public var actions: ActionCounts
    /// Whether the cycle read the API (refreshed or applied): what `/readyz` tells.
    public var reachedAPI: Bool
    /// Whether this controller led in the cycle (applied), or followed (read only).
    public var leading: Bool
}

/// Something worth telling about, kept in the status's last events and sent to notifiers.
public struct ControllerEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case cycleFailed = "cycle-failed"
        case cycleRecovered = "cycle-recovered"
        case driftDetected = "drift-detected"
        case deployed
        case runStarted = "run-started"
        case runSkipped = "run-skipped"
        case runFailed = "run-failed"
        case leading
        case following
        case notice
    }

    public var time: String
    public var kind: Kind
    public var message: String

    public init(time: String = Timestamp.now(), kind: Kind, message: String) {
        self.time = time
        self.kind = kind
        self.message = message
    }
}

/// Everything `/api/status` and the status page show.
public struct ControllerStatus: Sendable {
    public var workspace: String
    public var endpoint: String
    public var stateDescription: String
    public var mode: String
    public var leading: Bool
    /// Who leads, when another controller does.
    public var leader: String?
    public var started: String
    public var interval: Duration
    public var sets: [SetStatus] = []
    public var lastCycle: CycleSummary?
    public var lastSuccess: String?
    public var nextCycle: String?
    public var consecutiveFailures = 0
    public var events: [ControllerEvent] = []
    /// Tasks no scheduled run, retry or catch-up starts for, by address: suspended by command or paused after failures.
    public var suspended: [(address: String, suspension: Suspension)] = []
    /// Runs that wait for what they depend on, by address, oldest first.
    public var pending: [(address: String, run: PendingRun)] = []

    /// The most events kept.
    public static let eventLimit = 100

    public mutating func record(_ event: ControllerEvent) {
        events.append(event)
        if events.count > Self.eventLimit { events.removeFirst(events.count - Self.eventLimit) }
    }

    public var json: JSONValue {
        var document: [(String, JSONValue)] = [
            ("formatVersion", 1), ("workspace", .string(workspace)), ("endpoint", .string(endpoint)),
            ("state", .string(stateDescription)), ("mode", .string(mode)), ("leading", .bool(leading)),
        ]
        if let leader { document.append(("leader", .string(leader))) }
        document += [
            ("started", .string(started)), ("intervalSeconds", .int(Int64(interval.components.seconds))),
            ("consecutiveFailures", .int(Int64(consecutiveFailures))),
        ]
        if let lastSuccess { document.append(("lastSuccess", .string(lastSuccess))) }
        if let nextCycle { document.append(("nextCycle", .string(nextCycle))) }
        if let cycle = lastCycle { document.append(("lastCycle", Self.json(cycle))) }
        document.append(("sets", .array(sets.map(Self.json))))
        document.append(("suspended", .array(suspended.map(Self.json))))
        document.append(("pending", .array(pending.map(Self.json))))
        document.append(("events", .array(events.reversed().map { event in
            ["time": .string(event.time), "kind": .string(event.kind.rawValue), "message": .string(event.message)]
        })))
        return .object(.init(uniqueKeysWithValues: document))
    }

    static func json(_ set: SetStatus) -> JSONValue {
        [
            "name": .string(set.name), "sync": .string(set.sync.rawValue), "health": .string(set.health.rawValue),
            "tasks": .int(Int64(set.taskCount)), "states": counts(set.states), "planned": counts(set.planned),
            "drifted": .array(set.drifted.map(JSONValue.string)),
        ]
    }

    /// `{"address", "by", "at", "reason", "afterFailures"}`.
    static func json(_ task: (address: String, suspension: Suspension)) -> JSONValue {
        var members: JSONValue.Object = ["address": .string(task.address)]
        members.merge(task.suspension.members) { first, _ in first }
        return .object(members)
    }

    /// `{"address", "slot", "since", "waitsFor", "start"}`, `slot` null for a run that is not for a slot.
    static func json(_ pending: (address: String, run: PendingRun)) -> JSONValue {
        [
            "address": .string(pending.address), "slot": pending.run.slot.map(JSONValue.string) ?? .null,
            "since": .string(pending.run.since), "waitsFor": .array(pending.run.waitsFor.map(JSONValue.string)),
            "start": .string(pending.run.start.rawValue),
        ]
    }

    /// The pending runs of `state`, by address, each address's oldest first.
    public static func pending(in state: State?) -> [(address: String, run: PendingRun)] {
        (state?.pending ?? [:]).sorted { $0.key < $1.key }.flatMap { address, runs in runs.map { (address, $0) } }
    }

    /// The suspended tasks of `state`, by address.
    public static func suspended(in state: State?) -> [(address: String, suspension: Suspension)] {
        (state?.tasks ?? [:]).compactMap { address, entry in entry.suspension.map { (address, $0) } }.sorted { $0.address < $1.address }
    }

    static func json(_ cycle: CycleSummary) -> JSONValue {
        var object: [(String, JSONValue)] = [
            ("number", .int(Int64(cycle.number))), ("started", .string(cycle.started)),
            ("durationSeconds", .double(cycle.duration.seconds)), ("result", .string(cycle.result.rawValue)),
            ("leading", .bool(cycle.leading)), ("reachedAPI", .bool(cycle.reachedAPI)),
        ]
        if let error = cycle.error { object.append(("error", .string(error))) }
        object.append(("actions", json(actions: cycle.actions)))
        return .object(.init(uniqueKeysWithValues: object))
    }

    /// Actions by kind, then by result: `{"update": {"succeeded": 2}}`.
    static func json(actions: ActionCounts) -> JSONValue {
        .object(.init(uniqueKeysWithValues: actions.byName.sorted { $0.key < $1.key }.map { ($0.key, counts($0.value)) }))
    }

    private static func counts(_ counts: [String: Int]) -> JSONValue {
        .object(.init(uniqueKeysWithValues: counts.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))
    }
}

/// Set statuses from what a cycle saw: a pure function, tested without a server.
public enum StatusModel {
    /// `plan` is the cycle's plan (made with a refresh when `live` is given); `state` the state after the cycle;
    /// `live` what the server held, by id; `applied` the outcomes of what the cycle carried out (empty when it
    /// applied nothing); `sets` the manifests' sets with their task counts.
    public static func sets(_ sets: [(name: String, taskCount: Int)], plan: Plan?, state: State?, live: [Int32: BatchTaskInfo]?,
                            applied: [ActionKindOutcome]) -> [SetStatus] {
        var names = Dictionary(sets.map { ($0.name, $0.taskCount) }, uniquingKeysWith: { first, _ in first })
        for address in state.map({ Array($0.tasks.keys) }) ?? [] {
            let name = StateAddress.setName(of: StateAddress.parseDeposed(address)?.address ?? address)
            if names[name] == nil { names[name] = 0 }
        }
        // What is still out of sync after the cycle: planned changes that did not succeed, and drift left alone.
        let succeeded = Set(applied.filter(\.succeeded).map { "\($0.kind.rawValue) \($0.address)" })
        var pending: [String: [String: Int]] = [:]
        var planned: [String: [String: Int]] = [:]
        for action in plan?.actions ?? [] where Self.isSyncChange(action) {
            let set = StateAddress.setName(of: StateAddress.parseDeposed(action.address)?.address ?? action.address)
            planned[set, default: [:]][action.kind.rawValue, default: 0] += 1
            if !succeeded.contains("\(action.kind.rawValue) \(action.address)") {
                pending[set, default: [:]][action.kind.rawValue, default: 0] += 1
            }
        }
        // A create or change held for what it depends on is still to come.
        for step in plan?.pending ?? [] where Self.isSyncChange(step.action)
            && !succeeded.contains("\(step.action.kind.rawValue) \(step.address)") {
            pending[StateAddress.setName(of: step.address), default: [:]]["pending", default: 0] += 1
        }
        for address in plan?.unscheduled ?? [] where !succeeded.contains("unschedule \(address)") {
            pending[StateAddress.setName(of: address), default: [:]]["unschedule", default: 0] += 1
        }
        let revertedDrift = Set(applied.filter(\.succeeded).map(\.address))
        var drifted: [String: [String]] = [:]
        for item in plan?.drift ?? [] where !revertedDrift.contains(item.address) {
            drifted[StateAddress.setName(of: item.address), default: []].append(item.address)
        }
        var states: [String: [BatchTaskState?]] = [:]
        var missing: [String: Int] = [:]
        var counts: [String: [String: Int]] = [:]
        if let live, let state {
            for (address, entry) in state.tasks where StateAddress.parseDeposed(address) == nil {
                let set = StateAddress.setName(of: address)
                let taskState: BatchTaskState?
                if let task = live[entry.id] {
                    taskState = task.state
                } else if revertedDrift.contains(address) {
                    // Created (or created again) in this cycle: its state as the API answered then.
                    taskState = entry.lastState.map(BatchTaskState.init(rawValue:)) ?? .new
                } else {
                    missing[set, default: 0] += 1
                    counts[set, default: [:]]["Missing", default: 0] += 1
                    continue
                }
                states[set, default: []].append(taskState)
                counts[set, default: [:]][taskState?.rawValue ?? "Unknown", default: 0] += 1
            }
        }
        return names.keys.sorted().map { name in
            let sync: SyncStatus = plan == nil ? .unknown
                : (pending[name]?.isEmpty == false || drifted[name]?.isEmpty == false) ? .outOfSync : .synced
            let health: HealthStatus = live == nil || state == nil ? .unknown
                : HealthStatus.of(states[name] ?? [], missing: missing[name] ?? 0)
            return SetStatus(name: name, sync: sync, health: health, taskCount: names[name] ?? 0, states: counts[name] ?? [:],
                             planned: planned[name] ?? [:], drifted: (drifted[name] ?? []).sorted())
        }
    }

    /// Whether an action makes its set OutOfSync: every change the manifests ask for, not the runs a schedule
    /// starts or the registration of a new schedule.
    static func isSyncChange(_ action: PlannedAction) -> Bool {
        switch action.kind {
        case .noop, .schedule: return false
        case .run: return action.slot == nil
        case .create, .update, .replace, .delete, .move, .import: return true
        }
    }
}

/// An outcome as the status model needs it: which action, on which address, and whether it succeeded.
public struct ActionKindOutcome: Sendable, Hashable {
    public var address: String
    public var kind: ActionKind
    public var succeeded: Bool

    public init(address: String, kind: ActionKind, succeeded: Bool) {
        self.address = address
        self.kind = kind
        self.succeeded = succeeded
    }
}
