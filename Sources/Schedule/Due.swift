import Foundation

/// What a ``RunSchedule`` says is due at a moment: the run to fire, the slots that were missed, and the next slot.
public struct Due: Sendable, Hashable {
    /// The slot to fire now: the LATEST slot in (last, now], if now - slot <= startingDeadline (or no deadline). Nil
    /// when none. Without catch-up at most one run is fired however many slots were missed (like Kubernetes
    /// CronJob); with it, the oldest of `firing`.
    public var fire: Date?
    /// Every slot to fire, oldest first: `fire` alone, or with catch-up the latest slots within the deadline (up to
    /// the number asked for); one starts at a time, each in its turn.
    public var firing: [Date]
    /// The slots in (last, now] that are not fired (and will not be): all but those fired, the latest too when it
    /// is past the deadline; in time order; only the latest `Due.missedLimit` (100) of them are listed, so the last
    /// is the last missed.
    public var missed: [Date]
    /// How many slots were missed in all; counting stops at `Due.countLimit` (10_000) (then `missedCountIsLowerBound`
    /// is true, and there were more).
    public var missedCount: Int
    public var missedCountIsLowerBound: Bool
    /// The first slot strictly after `now`.
    public var next: Date?

    public static let missedLimit = 100
    public static let countLimit = 10_000

    public init(fire: Date?, missed: [Date], missedCount: Int, missedCountIsLowerBound: Bool, next: Date?, firing: [Date]? = nil) {
        self.fire = fire
        self.firing = firing ?? fire.map { [$0] } ?? []
        self.missed = missed
        self.missedCount = missedCount
        self.missedCountIsLowerBound = missedCountIsLowerBound
        self.next = next
    }
}
