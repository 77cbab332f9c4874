import Planning
import Reconcile

/// How a carried-out action ended, as the metrics and the status name it.
public enum ActionResult: String, Sendable, Hashable, CaseIterable, Comparable {
    case succeeded, failed, skipped

    public static func < (lhs: ActionResult, rhs: ActionResult) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How a scheduled run ended, as `batchctl_runs_total` labels it.
public enum RunResult: String, Sendable, Hashable, CaseIterable {
    case started, skipped, failed
    /// A run failed and is tried again.
    case retried
}

/// The actions a cycle carried out, by kind and then by result.
public struct ActionCounts: Sendable, Hashable {
    public private(set) var counts: [ActionKind: [ActionResult: Int]] = [:]

    public init() {}

    /// The counts of these actions.
    public init(_ applied: [AppliedAction]) {
        for action in applied { add(action.kind, action.result) }
    }

    public mutating func add(_ kind: ActionKind, _ result: ActionResult, count: Int = 1) {
        counts[kind, default: [:]][result, default: 0] += count
    }

    public var isEmpty: Bool { counts.isEmpty }

    /// How many actions of `kind` ended with `result`.
    public subscript(kind: ActionKind, result: ActionResult) -> Int { counts[kind]?[result] ?? 0 }

    /// Each kind with each of its results, kinds and results in the order of their names.
    public var entries: [(kind: ActionKind, result: ActionResult, count: Int)] {
        counts.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { kind, results in
            results.sorted { $0.key < $1.key }.map { (kind, $0.key, $0.value) }
        }
    }

    /// By the kinds' and the results' names, as `/api/status` writes them.
    public var byName: [String: [String: Int]] {
        Dictionary(uniqueKeysWithValues: counts.map { kind, results in
            (kind.rawValue, Dictionary(uniqueKeysWithValues: results.map { ($0.key.rawValue, $0.value) }))
        })
    }

    /// The kinds that succeeded at least once, as the `deployed` event says it: `1 create, 2 update`.
    var succeededSummary: String {
        counts.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { kind in
            let succeeded = self[kind, .succeeded]
            return succeeded == 0 ? nil : "\(succeeded) \(kind.rawValue)"
        }.joined(separator: ", ")
    }
}

/// An action a cycle carried out, and how it ended.
public struct AppliedAction: Sendable, Hashable {
    public var address: String
    public var kind: ActionKind
    public var result: ActionResult
    /// Why it failed or was skipped.
    public var reason: String?

    public init(address: String, kind: ActionKind, result: ActionResult, reason: String? = nil) {
        self.address = address
        self.kind = kind
        self.result = result
        self.reason = reason
    }

    init(_ outcome: ActionOutcome) {
        switch outcome.status {
        case .succeeded: self.init(address: outcome.address, kind: outcome.kind, result: .succeeded)
        case .failed(let why): self.init(address: outcome.address, kind: outcome.kind, result: .failed, reason: why)
        case .skipped(let why): self.init(address: outcome.address, kind: outcome.kind, result: .skipped, reason: why)
        }
    }
}

/// The scheduled runs a cycle started, skipped or saw fail.
public struct RunCounts: Sendable, Hashable {
    public private(set) var counts: [RunResult: Int] = [:]

    public init() {}

    public mutating func add(_ result: RunResult, count: Int = 1) {
        guard count > 0 else { return }
        counts[result, default: 0] += count
    }

    public var isEmpty: Bool { counts.isEmpty }

    public subscript(result: RunResult) -> Int { counts[result] ?? 0 }
}
