import Foundation

/// A time zone's wall clock, in whole seconds: instants are seconds since 1970 UTC, and wall times are the seconds
/// since 1970-01-01 00:00 that the clock shows, read as if they were UTC.
///
/// Offsets come from `TimeZone.secondsFromGMT(for:)` alone. Transitions are assumed to be more than a day apart
/// (true of every zone in the tz database since the 19th century).
struct WallClock {
    let zone: TimeZone

    private static let day = 86_400

    func offset(at instant: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    func wallTime(at instant: Int) -> Int {
        instant + offset(at: instant)
    }

    /// The first instant at which the clock shows `wall` or later: the instant itself for a time that occurs once,
    /// the first of the two for a time that occurs twice (clocks went back), and for a time that does not occur
    /// (clocks went forward over it) the instant the clocks jumped, which shows the end of the gap.
    func firstInstant(showing wall: Int) -> Int {
        let early = offset(at: wall - Self.day), late = offset(at: wall + Self.day)
        if early == late, offset(at: wall - early) == early {
            return wall - early
        }
        let offsets = Set([early, late, offset(at: wall - early), offset(at: wall - late)])
        if let first = offsets.filter({ offset(at: wall - $0) == $0 }).map({ wall - $0 }).min() {
            return first
        }
        // In a gap: the clock shows less than `wall` at `low` and more at `high`; find where it jumps.
        var low = wall - (offsets.max() ?? early), high = wall - (offsets.min() ?? early)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if wallTime(at: middle) >= wall { high = middle } else { low = middle }
        }
        return high
    }

    /// When clocks went back within a day of `instant`: the wall times from `at + offsetAfter` up to
    /// `at + offsetBefore` occur twice, first before `at` and again from `at` on.
    struct FallBack {
        var at: Int
        var offsetBefore: Int
        var offsetAfter: Int

        var repeatedWallTimes: Range<Int> { (at + offsetAfter)..<(at + offsetBefore) }
    }

    func fallBack(near instant: Int) -> FallBack? {
        let before = offset(at: instant - Self.day), after = offset(at: instant + Self.day)
        guard before > after else { return nil }
        var low = instant - Self.day, high = instant + Self.day
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == before { low = middle } else { high = middle }
        }
        let offsetAfter = offset(at: high)
        guard offsetAfter < before else { return nil }
        return FallBack(at: high, offsetBefore: before, offsetAfter: offsetAfter)
    }
}
