import JSON

/// How a run ended, as batchctl settled it once it saw the end: the server's Succeeded or Failed, or stopped by
/// batchctl at its `run.timeout`.
public enum RunOutcome: String, CaseIterable, Sendable {
    case succeeded
    case failed
    case timedOut

    /// Whether it counts as a failure for `run.retry` and `run.pauseAfterFailures`.
    public var isFailure: Bool { self != .succeeded }

    static func read(_ text: String, at key: String) throws(FormatError) -> RunOutcome {
        guard let outcome = RunOutcome(rawValue: text) else {
            throw FormatError(path: [key], detail: "'\(text)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return outcome
    }
}

/// Why no scheduled run, retry or catch-up of a task starts: `batchctl schedule suspend`, or a pause after
/// `run.pauseAfterFailures` failed runs. `batchctl schedule resume` clears it.
public struct Suspension: Hashable, Sendable {
    /// Who suspended it (`user@host`), or `batchctl` for a pause after failures.
    public var by: String
    /// When (ISO 8601 UTC).
    public var at: String
    /// Why, in words.
    public var reason: String
    /// True for a pause after failures, false for `schedule suspend`.
    public var afterFailures: Bool

    public init(by: String, at: String, reason: String, afterFailures: Bool) {
        self.by = by
        self.at = at
        self.reason = reason
        self.afterFailures = afterFailures
    }

    /// As commands and the controller show it: `{"by", "at", "reason", "afterFailures"}`, every member present.
    public var members: JSONValue.Object {
        ["by": .string(by), "at": .string(at), "reason": .string(reason), "afterFailures": .bool(afterFailures)]
    }

    var json: JSONValue {
        var members: JSONValue.Object = ["at": .string(at), "by": .string(by), "reason": .string(reason)]
        if afterFailures { members["afterFailures"] = .bool(true) }
        return .object(members)
    }

    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        try reader.rejectUnknown(["at", "by", "reason", "afterFailures"])
        self.init(by: try reader.string("by"), at: try reader.string("at"), reason: try reader.string("reason"),
                  afterFailures: try reader.optionalBool("afterFailures") ?? false)
    }
}
