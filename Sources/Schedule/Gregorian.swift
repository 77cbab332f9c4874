/// Dates on the proleptic Gregorian calendar as whole days since 1970-01-01, by arithmetic alone.
///
/// The wall clock of a time zone is reckoned in "wall seconds": the seconds since 1970-01-01 00:00 that the clock
/// shows, read as if it were UTC. These functions turn such a count into a calendar date and back. They are
/// inlinable because date parsing, a hot path of state and API answers, calls them for every date.
public enum Gregorian {
    /// A calendar date.
    public struct Day: Hashable, Sendable {
        public var year: Int
        public var month: Int
        public var day: Int

        @inlinable
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
    }

    @inlinable
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inlinable
    public static func length(ofMonth month: Int, in year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The most days a month has in any year: February 29.
    @inlinable
    public static func longestLength(ofMonth month: Int) -> Int {
        month == 2 ? 29 : length(ofMonth: month, in: 2001)
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    @inlinable
    public static func dayNumber(_ date: Day) -> Int {
        let year = date.month <= 2 ? date.year - 1 : date.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let monthFromMarch = (date.month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (H. Hinnant's `civil_from_days`).
    @inlinable
    public static func day(_ number: Int) -> Day {
        let shifted = number + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Day(year: year, month: month, day: day)
    }

    /// 0 for Sunday to 6 for Saturday; 1970-01-01 was a Thursday.
    @inlinable
    public static func weekday(_ number: Int) -> Int {
        ((number % 7) + 7 + 4) % 7
    }

    /// `value` divided by `divisor`, rounded down (also for negative values).
    @inlinable
    public static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
