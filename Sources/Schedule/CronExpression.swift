import Foundation

/// A five-field cron expression: minute hour day-of-month month day-of-week.
///
/// ## Syntax
/// Five fields separated by spaces or tabs: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
/// day-of-week 0-7 (0 and 7 are Sunday) or SUN-SAT; names are case-insensitive. Each field is a comma list of
/// `*`, `N`, `A-B`, `*/S`, `A-B/S` and `N/S` (from N to the field's maximum by S). Instead of the fields, one of the
/// macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) or `@hourly`, also
/// case-insensitive. Anything else (`@reboot`, six fields, `?`, `L`, `W`, `#`, reversed ranges, step 0, out-of-range
/// numbers, empty list items) is a ``CronError``, and so is an expression that can never match, such as
/// `0 0 30 2 *`. `0 0 29 2 *` is valid: it matches in leap years (not in 2100).
///
/// ## Days
/// As in Vixie cron: when both day-of-month and day-of-week are restricted (neither field starts with `*`), a day
/// matches if either matches (`0 0 1 * MON` runs on the 1st and on every Monday); otherwise both must match (so
/// `0 0 */2 * MON` runs on Mondays with an odd day of the month).
///
/// ## Time zones and daylight saving time
/// The expression is matched against the wall clock of the time zone. Slots are whole minutes; seconds are ignored.
/// Where the clock is not one-to-one, the rules of cronie and Vixie cron apply:
/// - **Clocks go forward** (e.g. Europe/Oslo on 2026-03-29, 02:00 → 03:00): a matching wall time that does not
///   occur that day (02:30) fires once, at the first instant after the gap (03:00 local). Several such times, and a
///   match at 03:00 itself, all fire that one instant once. So `30 2 * * *` runs at 03:00 that day, and
///   `*/15 * * * *` runs at 01:45 and then at 03:00: every 15 minutes of elapsed time. This holds for every
///   expression, also one whose hours are all 24: `30 * * * *` runs at 01:30, 03:00 and 03:30 that day (cronie would
///   not run such a "wildcard" job for the skipped 02:30).
/// - **Clocks go back** (e.g. Europe/Oslo on 2026-10-25, 03:00 → 02:00, so 02:00-02:59 occurs twice): an
///   expression whose hours are not all 24 fires only at the first occurrence of a repeated wall time (`30 2 * * *`
///   runs once, at 02:30 summer time; so does every minute of `*/15 2 * * *`). An expression whose hour field covers
///   all 24 hours (`*`, `*/1`, `0-23`) fires at both occurrences, following elapsed time across the change:
///   `*/15 * * * *` runs every 15 real minutes, and `0 * * * *` runs at 02:00 summer time and again at 02:00
///   winter time.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text as given (trimmed).
    public private(set) var description: String

    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    /// Sunday is 0 (a written 7 is stored as 0).
    let daysOfWeek: CronField
    /// Both day fields are restricted, so a day matches if either matches (Vixie cron).
    let daysMatchEither: Bool

    init(description: String, minutes: CronField, hours: CronField, daysOfMonth: CronField, months: CronField,
         daysOfWeek: CronField, daysMatchEither: Bool) {
        self.description = description
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.daysOfWeek = daysOfWeek
        self.daysMatchEither = daysMatchEither
    }

    /// Reads five fields or a macro; surrounding whitespace is ignored.
    public init(parsing text: String) throws(CronError) {
        self = try CronParser(text).parse()
    }

    /// The first time strictly after `date` that the expression matches, by `timeZone`'s wall clock (see the rules
    /// above). Nil only if there is none within 400 years (which does not happen for an expression the parser
    /// accepted) or for a date beyond any calendar use.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard abs(seconds) < Self.supportedSeconds else { return nil }
        let instant = Int(seconds)
        let clock = WallClock(zone: timeZone)
        var earliest = firstOccurrence(after: instant, on: clock)
        if coversAllHours, let fallBack = clock.fallBack(near: instant),
           let repeated = secondOccurrence(after: instant, in: fallBack), repeated < earliest ?? .max {
            earliest = repeated
        }
        return earliest.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// About 100,000 years either side of 1970: far beyond any schedule, and safe from overflow.
    private static let supportedSeconds: TimeInterval = 3e12
    /// The Gregorian calendar repeats every 400 years, so a search that finds nothing in that long never will.
    private static let searchYears = 400

    private var coversAllHours: Bool { hours.bits.nonzeroBitCount == 24 }

    /// The earliest slot after `instant` from a matching wall time's first (or only) occurrence, or from its gap.
    private func firstOccurrence(after instant: Int, on clock: WallClock) -> Int? {
        var wall = Gregorian.floorDivide(clock.wallTime(at: instant), 60) * 60 + 60
        // Right after clocks went back, the wall times up to the old reading have had their first occurrence
        // already: skip them (at most the matches of the repeated hours).
        for _ in 0..<(2 * 24 * 60) {
            guard let match = nextWallTime(atOrAfter: wall) else { return nil }
            let slot = clock.firstInstant(showing: match)
            if slot > instant { return slot }
            wall = match + 60
        }
        return nil
    }

    /// The earliest slot after `instant` from the second occurrence of a wall time that clocks going back repeat.
    private func secondOccurrence(after instant: Int, in fallBack: WallClock.FallBack) -> Int? {
        let repeated = fallBack.repeatedWallTimes
        let firstRepeatedMinute = Gregorian.floorDivide(repeated.lowerBound + 59, 60) * 60
        let firstMinuteAfterInstant = Gregorian.floorDivide(instant + fallBack.offsetAfter, 60) * 60 + 60
        guard let match = nextWallTime(atOrAfter: max(firstRepeatedMinute, firstMinuteAfterInstant)),
              repeated.contains(match) else { return nil }
        return match - fallBack.offsetAfter
    }

    /// The first wall time at or after `start` (a whole minute, in wall seconds) that the fields match, skipping
    /// whole months, days and hours that cannot match.
    private func nextWallTime(atOrAfter start: Int) -> Int? {
        let startDay = Gregorian.floorDivide(start, 86_400)
        let minuteOfDay = (start - startDay * 86_400) / 60
        var date = Gregorian.day(startDay)
        var hour = minuteOfDay / 60, minute = minuteOfDay % 60
        let lastYear = date.year + Self.searchYears
        func nextDay() {
            date.day += 1
            hour = 0
            minute = 0
            if date.day > Gregorian.length(ofMonth: date.month, in: date.year) {
                date.day = 1
                date.month += 1
                if date.month > 12 {
                    date.month = 1
                    date.year += 1
                }
            }
        }
        while date.year <= lastYear {
            guard months.contains(date.month) else {
                if let month = months.first(atOrAfter: date.month + 1) {
                    date.month = month
                } else {
                    date.year += 1
                    date.month = months.first ?? 1
                }
                date.day = 1
                hour = 0
                minute = 0
                continue
            }
            let dayNumber = Gregorian.dayNumber(date)
            guard matchesDay(date.day, weekday: Gregorian.weekday(dayNumber)) else {
                nextDay()
                continue
            }
            guard let matchingHour = hours.first(atOrAfter: hour) else {
                nextDay()
                continue
            }
            if matchingHour != hour {
                hour = matchingHour
                minute = 0
            }
            guard let matchingMinute = minutes.first(atOrAfter: minute) else {
                hour += 1
                minute = 0
                if hour > 23 { nextDay() }
                continue
            }
            return dayNumber * 86_400 + hour * 3600 + matchingMinute * 60
        }
        return nil
    }

    private func matchesDay(_ day: Int, weekday: Int) -> Bool {
        daysMatchEither
            ? daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
            : daysOfMonth.contains(day) && daysOfWeek.contains(weekday)
    }
}
