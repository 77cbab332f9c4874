import Foundation

/// A time given for a slot (`batchctl run ADDR --slot TIME`): ISO 8601 with an offset or `Z`, or a wall-clock time
/// without one, which only a schedule's time zone makes an instant.
public enum SlotTime: Sendable, Hashable {
    /// Written with an offset or `Z`.
    case instant(Date)
    /// Written without an offset: the seconds since 1970-01-01 00:00 the wall clock shows.
    case wallClock(Int)

    /// `2030-01-01T01:00:00Z`, `2030-01-01T02:00+01:00`, `2030-01-01T01:00` (seconds optional, `T` or a space);
    /// nil for anything else.
    public init?(parsing text: String) {
        let pattern = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/
        guard let match = text.wholeMatch(of: pattern),
              let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
              let hour = Int(match.4), let minute = Int(match.5) else { return nil }
        let second = match.6.flatMap { Int($0) } ?? 0
        guard (1...12).contains(month), (1...Gregorian.length(ofMonth: month, in: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let wall = Gregorian.dayNumber(.init(year: year, month: month, day: day)) * 86_400 + hour * 3600 + minute * 60 + second
        guard let zone = match.7 else {
            self = .wallClock(wall)
            return
        }
        self = .instant(Date(timeIntervalSince1970: TimeInterval(wall - Self.offset(String(zone)))))
    }

    /// The instant: as written, or the wall-clock time read in `zone` (a time the clocks showed twice is the first
    /// of the two; one they skipped is the moment they jumped).
    public func date(in zone: TimeZone) -> Date {
        switch self {
        case .instant(let date): return date
        case .wallClock(let wall): return Date(timeIntervalSince1970: TimeInterval(WallClock(zone: zone).firstInstant(showing: wall)))
        }
    }

    /// Seconds east of UTC of `Z`, `+01:00` or `-0530`.
    private static func offset(_ text: String) -> Int {
        guard text != "Z" else { return 0 }
        let digits = text.dropFirst().filter(\.isNumber)
        let hours = Int(digits.prefix(2)) ?? 0, minutes = Int(digits.suffix(2)) ?? 0
        return (text.hasPrefix("-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
