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
    /// The slots fired are the latest `catchUp` of those within the starting deadline, oldest first: one (the latest)
    /// unless the task catches up (at most `Due.missedLimit`). The cost is bounded whatever the gap: the walk over the
    /// slots stops after `Due.countLimit` of them, and the latest slots are then found by bisecting the rest of the
    /// interval.
    public func due(since last: Date, now: Date, catchUp: Int = 1) -> Due {
        let limit = min(max(catchUp, 1), Due.missedLimit)
        // The latest slots walked, oldest first: those fired, and before them the latest missed.
        let kept = Due.missedLimit + limit
        var recent: [Date] = []
        var walked = 0
        var latest: Date?
        var cursor = cron.next(after: last, in: timeZone)
        while let slot = cursor, slot <= now, walked <= Due.countLimit {
            walked += 1
            latest = slot
            recent.append(slot)
            if recent.count >= 2 * kept { recent.removeFirst(recent.count - kept) }
            cursor = cron.next(after: slot, in: timeZone)
        }
        let walkedAll = cursor.map { $0 > now } ?? true
        if !walkedAll, let known = latest {
            let found = latestSlot(from: known, atOrBefore: now)
            latest = found
            recent += slots(before: found, after: known, count: kept - 1) + [found]
        }
        recent = Array(recent.suffix(kept))
        // Later slots are nearer now: those within the deadline are a suffix of the slots.
        let firing = Array(recent.suffix(limit).filter { isWithinDeadline($0, now: now) })
        let missedTotal = walkedAll ? walked - firing.count : Due.countLimit + 1
        return Due(
            fire: firing.first,
            missed: Array(recent.dropLast(firing.count).suffix(Due.missedLimit)),
            missedCount: min(missedTotal, Due.countLimit),
            missedCountIsLowerBound: missedTotal > Due.countLimit,
            next: cron.next(after: now, in: timeZone),
            firing: firing)
    }

    /// Whether `date` is one of the schedule's slots.
    public func isSlot(_ date: Date) -> Bool {
        cron.next(after: date.addingTimeInterval(-1), in: timeZone) == date
    }

    /// The latest slot strictly before `date`, looked for up to five years back; nil when there is none.
    public func slot(before date: Date) -> Date? {
        // Widening windows: a slot an hour back is found in one search, a yearly one in a few.
        for window: TimeInterval in [3600, 86_400, 32 * 86_400, 367 * 86_400, 5 * 367 * 86_400] {
            if let first = cron.next(after: date.addingTimeInterval(-window), in: timeZone), first < date {
                // Slots fall on whole seconds: the one before `date` is at or before half a second before it.
                return latestSlot(from: first, atOrBefore: date.addingTimeInterval(-0.5))
            }
        }
        return nil
    }

    /// Up to `count` slots strictly between `known` and `slot` (both slots), the latest ones, oldest first: each
    /// found by bisecting (known, the one after it), for when the walk stopped before reaching `slot`.
    private func slots(before slot: Date, after known: Date, count: Int) -> [Date] {
        var found: [Date] = []
        var bound = slot
        while found.count < count {
            // Slots fall on whole seconds: the one before `bound` is at or before half a second before it.
            let previous = latestSlot(from: known, atOrBefore: bound.addingTimeInterval(-0.5))
            guard previous > known, previous < bound else { break }
            found.append(previous)
            bound = previous
        }
        return found.reversed()
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
