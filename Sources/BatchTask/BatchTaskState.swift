/// A BatchTaskState name; a struct so an unknown name from a server never fails decoding.
public struct BatchTaskState: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public static let unknown = BatchTaskState(rawValue: "Unknown")
    public static let new = BatchTaskState(rawValue: "New")
    /// Spelled "Aquired" (sic), as the API spells it.
    public static let aquired = BatchTaskState(rawValue: "Aquired")
    public static let started = BatchTaskState(rawValue: "Started")
    public static let succeeded = BatchTaskState(rawValue: "Succeeded")
    public static let failed = BatchTaskState(rawValue: "Failed")
    public static let succeededManualCleanup = BatchTaskState(rawValue: "SucceededManualCleanup")
    /// Only a query value (`GET /api/v1/BatchTask/All`); no task is ever in it.
    public static let all = BatchTaskState(rawValue: "All")

    /// The states a task can be in, in the API's order (everything but All).
    public static let taskStates: [BatchTaskState] = [.unknown, .new, .aquired, .started, .succeeded, .failed, .succeededManualCleanup]

    /// Every name the API defines, including All.
    public static let knownStates: [BatchTaskState] = taskStates + [.all]

    /// One of the eight names, in the exact spelling (the API's names are case-sensitive in JSON bodies).
    public var isKnown: Bool { Self.knownStates.contains(self) }

    /// The job has ended and will not change state on its own.
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .succeededManualCleanup }

    /// The job is waiting or running: New, Aquired or Started.
    public var isInProgress: Bool { self == .new || self == .aquired || self == .started }

    public var description: String { rawValue }
}
