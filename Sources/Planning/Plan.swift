import BatchTask
import JSON

/// What a plan does to one address.
public enum ActionKind: String, Sendable, CaseIterable {
    case create, update, replace, delete, move
    case noop = "no-op"

    /// The terraform-style symbol shown before the address.
    public var symbol: String {
        switch self {
        case .create: return "+"
        case .update: return "~"
        case .replace: return "-/+"
        case .delete: return "-"
        case .move: return "->"
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

    public init(address: String, kind: ActionKind, id: Int32? = nil, changes: [FieldChange] = [], reason: String? = nil,
                movedFrom: String? = nil, createBeforeDestroy: Bool = false) {
        self.address = address
        self.kind = kind
        self.id = id
        self.changes = changes
        self.reason = reason
        self.movedFrom = movedFrom
        self.createBeforeDestroy = createBeforeDestroy
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

/// A plan: a value that can be shown, saved, and applied later exactly as it is.
public struct Plan: Sendable {
    public static let formatVersion = 1

    public var actions: [PlannedAction]
    public var orphans: [Orphan]
    public var drift: [DriftItem]
    /// The state the plan was made against: `apply PLANFILE` refuses a plan whose state has moved on.
    public var stateLineage: String?
    public var stateSerial: Int?
    /// A digest of the desired tasks (`Planner.digest`), for a plan that is saved: `apply PLANFILE` refuses a plan
    /// whose manifests changed. Nil until set; only a saved plan needs it.
    public var manifestDigest: String?
    public var endpoint: String
    public var refreshed: Bool

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

    /// Actions that change something (everything but no-op).
    public var changes: [PlannedAction] { actions.filter { $0.kind != .noop } }

    public var hasChanges: Bool { actions.contains { $0.kind != .noop } }

    public func count(_ kind: ActionKind) -> Int { actions.count { $0.kind == kind } }

    /// `Plan: 3 to create, 1 to update, 1 to replace, 0 to delete, 0 to move.` or `No changes.`
    public var summaryLine: String {
        guard hasChanges else { return "No changes." }
        return "Plan: \(count(.create)) to create, \(count(.update)) to update, \(count(.replace)) to replace, "
            + "\(count(.delete)) to delete, \(count(.move)) to move."
    }
}
