import Foundation

/// What a ``RunSchedule`` says is due at a moment: the run to fire, the slots that were missed, and the next slot.
public struct Due: Sendable, Hashable {
    /// The slot to fire now: the LATEST slot in (last, now], if now - slot <= startingDeadline (or no deadline). Nil
    /// when none. At most one run is fired however many slots were missed (like Kubernetes CronJob).
    public var fire: Date?
    /// The slots in (last, now] that are not fired: all but the latest, plus the latest when it is past the deadline;
    /// in time order; only the latest `Due.missedLimit` (100) of them are listed, so the last is the last missed.
    public var missed: [Date]
    /// How many slots were missed in all; counting stops at `Due.countLimit` (10_000) (then `missedCountIsLowerBound`
    /// is true, and there were more).
    public var missedCount: Int
    public var missedCountIsLowerBound: Bool
    /// The first slot strictly after `now`.
    public var next: Date?

    public static let missedLimit = 100
    public static let countLimit = 10_000

    public init(fire: Date?, missed: [Date], missedCount: Int, missedCountIsLowerBound: Bool, next: Date?) {
        self.fire = fire
        self.missed = missed
        self.missedCount = missedCount
        self.missedCountIsLowerBound = missedCountIsLowerBound
        self.next = next
    }
}
