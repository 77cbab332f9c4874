import Schedule

/// .NET-style date-time text: `2018-06-01T14:34:02.7132229+02:00` (0-7 fraction digits, offset `Z` or ±hh:mm).
public struct DotNetDate: Hashable, Sendable {
    // Ticks in an Int64 rather than seconds in a Double, so the seventh fraction digit survives exactly.
    public static let ticksPerSecond: Int64 = 10_000_000
    static let ticksPerMinute: Int64 = 60 * ticksPerSecond
    static let ticksPerDay: Int64 = 86_400 * ticksPerSecond

    /// The UTC instant in 100 ns ticks since 1970-01-01T00:00:00Z (negative before it).
    public var ticksSince1970: Int64
    /// The offset from UTC the text is written in (`+02:00` is 120); .NET allows -840...840.
    public var offsetMinutes: Int

    public init(ticksSince1970: Int64, offsetMinutes: Int) {
        self.ticksSince1970 = ticksSince1970
        self.offsetMinutes = offsetMinutes
    }

    /// Rounds to the nearest tick.
    public init(secondsSince1970: Double, offsetMinutes: Int) {
        // Clamp (NaN to 0) rather than trap: ±9e18 ticks is ±28,000 years, beyond any date .NET can write.
        // Rounding by hand (half away from zero) keeps this module free of libm.
        let limit = 9.0e18
        let scaled = secondsSince1970 * Double(Self.ticksPerSecond)
        let ticks = scaled.isNaN ? 0 : min(max(scaled, -limit), limit)
        self.init(ticksSince1970: Int64(ticks < 0 ? ticks - 0.5 : ticks + 0.5), offsetMinutes: offsetMinutes)
    }

    /// A convenience view of `ticksSince1970`; a Double cannot hold every tick of today's dates.
    public var secondsSince1970: Double { Double(ticksSince1970) / Double(Self.ticksPerSecond) }

    /// The shape `init?(_:)` reads, as a regular expression, for schemas; `init?` also checks the ranges of the
    /// numbers (months, days, hours, the offset), which a pattern does not. A manifest's date has an offset.
    public static let shapePattern = #"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:?[0-9]{2})$"#

    /// Whether the text is a date with an offset (`Z`, `+hh:mm` or `+hhmm`): an instant.
    public static func isValid(_ text: String) -> Bool {
        DotNetDate(text) != nil
    }

    /// Whether the text is a date in any form a server writes (api.md v3, "Dates and time zones"): with an offset
    /// (`Z`, `+hh:mm`, `+hhmm`) or without one (wall time in a zone the reader must know).
    public static func isWellFormed(_ text: String) -> Bool {
        Wall(text) != nil
    }

    /// Parses `yyyy-MM-ddTHH:mm:ss[.f{1,7}](Z|±hh:mm|±hhmm)`: year 0001-9999, real month lengths (leap years
    /// included), hours 00-23, no leap second, offset up to ±14:00 as in .NET. The offset is required: without it
    /// the instant is unknown (`init?(_:wallTimeOffset:)` reads that form too).
    public init?(_ text: String) {
        guard let wall = Wall(text), let offset = wall.offsetMinutes else { return nil }
        self.init(ticksSince1970: wall.localTicks - Int64(offset) * Self.ticksPerMinute, offsetMinutes: offset)
    }

    /// Parses every form a server writes; a date without an offset is wall time, whose offset from UTC in minutes
    /// `wallTimeOffset` gives for its wall time (as ticks since 1970 counted as if it were UTC).
    public init?(_ text: String, wallTimeOffset: (Int64) -> Int) {
        guard let wall = Wall(text) else { return nil }
        let offset = wall.offsetMinutes ?? wallTimeOffset(wall.localTicks)
        self.init(ticksSince1970: wall.localTicks - Int64(offset) * Self.ticksPerMinute, offsetMinutes: offset)
    }

    /// A date's text taken apart: its wall time and its offset, when it has one.
    public struct Wall: Hashable, Sendable {
        /// The wall time counted as if it were UTC, in ticks since 1970.
        public var localTicks: Int64
        public var offsetMinutes: Int?

        public init(localTicks: Int64, offsetMinutes: Int?) {
            self.localTicks = localTicks
            self.offsetMinutes = offsetMinutes
        }

        public init?(_ text: String) {
            var text = text
            guard let parsed = text.withUTF8({ Wall.parse($0) }) else { return nil }
            self = parsed
        }

        private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Wall? {
            var i = 0
            func number(_ digits: Int) -> Int? {
                guard i + digits <= b.count else { return nil }
                var n = 0
                for _ in 0..<digits {
                    let c = b[i]
                    guard c >= 0x30 && c <= 0x39 else { return nil }
                    n = n * 10 + Int(c - 0x30)
                    i += 1
                }
                return n
            }
            func literal(_ c: Character) -> Bool {
                guard i < b.count, let ascii = c.asciiValue, b[i] == ascii else { return false }
                i += 1
                return true
            }
            guard let year = number(4), literal("-"), let month = number(2), literal("-"), let day = number(2),
                  literal("T"), let hour = number(2), literal(":"), let minute = number(2), literal(":"),
                  let second = number(2)
            else { return nil }
            guard year >= 1, (1...12).contains(month), day >= 1, day <= Gregorian.length(ofMonth: month, in: year),
                  hour <= 23, minute <= 59, second <= 59
            else { return nil }

            var fractionTicks: Int64 = 0
            if literal(".") {
                var digits = 0
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                    guard digits < 7 else { return nil }
                    fractionTicks = fractionTicks * 10 + Int64(b[i] - 0x30)
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<7 { fractionTicks *= 10 }
            }

            var offset: Int?
            if literal("Z") {
                offset = 0
            } else if i < b.count {
                guard b[i] == 0x2B || b[i] == 0x2D else { return nil }
                let sign = b[i] == 0x2D ? -1 : 1
                i += 1
                // `+hh:mm` (ISO 8601, .NET's "o") or `+hhmm` (SuperOffice's includeTZOffset).
                guard let offsetHours = number(2) else { return nil }
                _ = literal(":")
                guard let offsetMinutes = number(2), offsetMinutes <= 59, offsetHours * 60 + offsetMinutes <= 14 * 60
                else { return nil }
                offset = sign * (offsetHours * 60 + offsetMinutes)
            }
            guard i == b.count else { return nil }

            let days = Int64(Gregorian.dayNumber(Gregorian.Day(year: year, month: month, day: day)))
            let localTicks = days * ticksPerDay + Int64(hour * 3600 + minute * 60 + second) * ticksPerSecond + fractionTicks
            return Wall(localTicks: localTicks, offsetMinutes: offset)
        }
    }

    /// The instant's wall time in its offset, as `Wall`.
    public var wall: Wall {
        Wall(localTicks: ticksSince1970 &+ Int64(truncatingIfNeeded: offsetMinutes) &* Self.ticksPerMinute, offsetMinutes: offsetMinutes)
    }

    /// How a date is written: `.iso` as .NET's "o" format (`+hh:mm`), `.compact` with SuperOffice's `+hhmm`
    /// (api.md v3, includeTZOffset), `.wallTime` with no offset at all.
    public enum Style: Sendable, Hashable {
        case iso, compact, wallTime
    }

    /// The same instant written in another offset (as a server does for its SO-TimeZone header).
    public func converted(toOffsetMinutes offset: Int) -> DotNetDate {
        DotNetDate(ticksSince1970: ticksSince1970, offsetMinutes: offset)
    }

    /// `2026-11-29T07:00:00.0000000+00:00`: always 7 fraction digits and a numeric offset, as .NET's "o" format.
    public var text: String { text(.iso) }

    /// The date written in a style; `.compact` and `.wallTime` leave out a zero fraction, as servers do.
    public func text(_ style: Style) -> String {
        // Wrapping: an absurd offset gives odd text, never a crash.
        let local = ticksSince1970 &+ Int64(truncatingIfNeeded: offsetMinutes) &* Self.ticksPerMinute
        let (days, tickOfDay) = Self.floorDivide(local, Self.ticksPerDay)
        let date = Gregorian.day(Int(days))
        let (year, month, day) = (date.year, date.month, date.day)
        let seconds = Int(tickOfDay / Self.ticksPerSecond)
        let fraction = Int(tickOfDay % Self.ticksPerSecond)

        var out: [UInt8] = []
        out.reserveCapacity(33)
        func append(_ n: Int, width: Int) {
            var digits: [UInt8] = []
            var rest = n
            repeat {
                digits.append(UInt8(0x30 + rest % 10))
                rest /= 10
            } while rest > 0
            if digits.count < width { out.append(contentsOf: repeatElement(0x30, count: width - digits.count)) }
            out.append(contentsOf: digits.reversed())
        }
        if year < 0 { out.append(0x2D) }
        append(abs(year), width: 4)
        out.append(0x2D)
        append(month, width: 2)
        out.append(0x2D)
        append(day, width: 2)
        out.append(0x54)
        append(seconds / 3600, width: 2)
        out.append(0x3A)
        append(seconds / 60 % 60, width: 2)
        out.append(0x3A)
        append(seconds % 60, width: 2)
        if style == .iso || fraction != 0 {
            out.append(0x2E)
            append(fraction, width: 7)
        }
        if style != .wallTime {
            out.append(offsetMinutes < 0 ? 0x2D : 0x2B)
            append(abs(offsetMinutes) / 60, width: 2)
            if style == .iso { out.append(0x3A) }
            append(abs(offsetMinutes) % 60, width: 2)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}
