import Foundation

/// When a scheduled task is due: a cron expression read in a time zone, and how late a run may still start.
public struct RunSchedule: Sendable, Hashable {
    public var cron: CronExpression
    public var timeZone: TimeZone
    /// A slot missed by more than this is skipped, not fired. Nil: no deadline.
    public var startingDeadline: TimeInterval?

    public init(cron: CronExpression, timeZone: TimeZone, startingDeadline: TimeInterval?) {
        self.cron = cron
        self.timeZone = timeZone
        self.startingDeadline = startingDeadline
    }

    /// What is due at `now` for a task whose last run was fired for the slot `last` (or, never run, that has been
    /// scheduled since `last`). Slots are the times in (last, now] the expression matches.
    ///
    /// At most one run is fired however many slots were missed: the latest, if it is within the starting deadline.
    /// The cost is bounded whatever the gap: the walk over the slots stops after `Due.countLimit` of them, and the
    /// latest slot is then found by bisecting the rest of the interval.
    public func due(since last: Date, now: Date) -> Due {
        var earliest: [Date] = []
        var walked = 0
        var latest: Date?
        var cursor = cron.next(after: last, in: timeZone)
        while let slot = cursor, slot <= now, walked <= Due.countLimit {
            walked += 1
            latest = slot
            if earliest.count <= Due.missedLimit { earliest.append(slot) }
            cursor = cron.next(after: slot, in: timeZone)
        }
        let walkedAll = cursor.map { $0 > now } ?? true
        if !walkedAll, let known = latest {
            latest = latestSlot(from: known, atOrBefore: now)
        }
        let fire = latest.flatMap { isWithinDeadline($0, now: now) ? $0 : nil }
        let missedTotal = walkedAll ? walked - (fire == nil ? 0 : 1) : Due.countLimit + 1
        return Due(
            fire: fire,
            missed: Array(earliest.filter { $0 != fire }.prefix(Due.missedLimit)),
            missedCount: min(missedTotal, Due.countLimit),
            missedCountIsLowerBound: missedTotal > Due.countLimit,
            next: cron.next(after: now, in: timeZone))
    }

    private func isWithinDeadline(_ slot: Date, now: Date) -> Bool {
        guard let startingDeadline else { return true }
        return now.timeIntervalSince(slot) <= startingDeadline
    }

    /// The latest slot at or before `bound`, given a slot `known` at or before it: bisects (known, bound], so it
    /// takes about 2 log2(minutes in the interval) searches instead of one per slot.
    private func latestSlot(from known: Date, atOrBefore bound: Date) -> Date {
        var slot = known, bound = bound
        while let later = cron.next(after: slot, in: timeZone), later <= bound {
            let middle = later.addingTimeInterval(bound.timeIntervalSince(later) / 2)
            if let beyond = cron.next(after: middle, in: timeZone), beyond <= bound {
                slot = beyond
            } else {
                slot = later
                bound = middle
            }
        }
        return slot
    }
}
