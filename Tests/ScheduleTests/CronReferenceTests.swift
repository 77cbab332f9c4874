import Foundation
import Testing
@testable import Schedule

/// `next(after:in:)` against a slow, independent reference: a walk minute by minute over real instants, reading the
/// wall clock with Foundation's Calendar, around daylight saving changes in several zones.
@Suite struct CronReferenceTests {
    /// One minute of real time, as the zone's clock shows it.
    private struct Minute {
        var instant: Int
        var minute, hour, day, month, weekday: Int
        /// The clock shows this time for the first time (it did not go back over it).
        var isFirstOccurrence: Bool
        /// Wall times the clock jumped over to reach this minute, as (minute, hour, day, month, weekday).
        var skipped: [(Int, Int, Int, Int, Int)]
    }

    /// The minutes from `start` to `end` (UTC instants), walked from a day earlier so that repeats are known.
    private static func minutes(from start: String, to end: String, in zoneName: String) throws -> [Minute] {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "GMT"))
        func fields(wall: Int) -> (Int, Int, Int, Int, Int) {
            let c = utc.dateComponents([.minute, .hour, .day, .month, .weekday], from: Date(timeIntervalSince1970: TimeInterval(wall)))
            return (c.minute ?? -1, c.hour ?? -1, c.day ?? -1, c.month ?? -1, (c.weekday ?? 0) - 1)
        }
        let first = Int(try instant(start).timeIntervalSince1970), last = Int(try instant(end).timeIntervalSince1970)
        var result: [Minute] = []
        var latestWall = Int.min, previousWall: Int?
        for instant in stride(from: first - 86_400, through: last, by: 60) {
            let date = Date(timeIntervalSince1970: TimeInterval(instant))
            let wall = instant + zone.secondsFromGMT(for: date)
            var skipped: [(Int, Int, Int, Int, Int)] = []
            if let previousWall, wall - previousWall > 60 {
                skipped = stride(from: previousWall + 60, to: wall, by: 60).map(fields)
            }
            let c = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
            if instant >= first {
                result.append(Minute(
                    instant: instant, minute: c.minute ?? -1, hour: c.hour ?? -1, day: c.day ?? -1, month: c.month ?? -1,
                    weekday: (c.weekday ?? 0) - 1, isFirstOccurrence: wall > latestWall, skipped: skipped))
            }
            latestWall = max(latestWall, wall)
            previousWall = wall
        }
        return result
    }

    /// The slots by the documented rules, from the walk.
    private static func referenceSlots(_ cron: CronExpression, _ minutes: [Minute]) -> [Int] {
        func matches(_ f: (Int, Int, Int, Int, Int)) -> Bool {
            let (minute, hour, day, month, weekday) = f
            let dom = cron.daysOfMonth.contains(day), dow = cron.daysOfWeek.contains(weekday)
            return cron.minutes.contains(minute) && cron.hours.contains(hour) && cron.months.contains(month)
                && (cron.daysMatchEither ? dom || dow : dom && dow)
        }
        let allHours = cron.hours.values.count == 24
        return minutes.filter { m in
            let own = matches((m.minute, m.hour, m.day, m.month, m.weekday))
            if !m.isFirstOccurrence { return own && allHours }
            return own || m.skipped.contains(where: matches)
        }.map(\.instant)
    }

    static let windows: [(String, String, String)] = [
        ("Europe/Oslo", "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
        ("Europe/Oslo", "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z"),
        ("America/New_York", "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z"),
        ("America/New_York", "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z"),
        ("Australia/Lord_Howe", "2026-04-03T12:00:00Z", "2026-04-05T12:00:00Z"),
        ("Australia/Lord_Howe", "2026-10-02T12:00:00Z", "2026-10-04T12:00:00Z"),
        ("America/Santiago", "2026-04-04T00:00:00Z", "2026-04-06T00:00:00Z"),
        ("America/Santiago", "2026-09-05T00:00:00Z", "2026-09-07T00:00:00Z"),
        ("UTC", "2026-12-30T00:00:00Z", "2027-01-01T12:00:00Z"),
    ]

    static let expressions = [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "5,35 * * * *", "*/7 * * * *", "0 */2 * * *",
        "30 2 * * *", "0 2 * * *", "*/15 2 * * *", "0,30 2,3 * * *", "45 1 * * *", "15 2 * * *", "0 0 * * *",
        "30 23 * * *", "* 1-3 * * *", "59 1 * * *", "0 3 * * *", "*/10 0-23 * * *", "0 2 * * SUN", "30 1 25,31 * SAT",
        "0 0-5 * * 0", "*/20 1,2 * * 6,0", "10 2 * 3,10 *", "0 0 1 1 *", "59 23 31 12 *", "0 12 * * 1-5",
    ]

    @Test(arguments: windows)
    func nextAgreesWithTheReference(_ zoneName: String, _ start: String, _ end: String) throws {
        let minutes = try Self.minutes(from: start, to: end, in: zoneName)
        let zone = try #require(TimeZone(identifier: zoneName))
        for text in Self.expressions {
            let cron = try CronExpression(parsing: text)
            let expected = Self.referenceSlots(cron, minutes)
            guard let windowEnd = minutes.last?.instant, let windowStart = minutes.first?.instant else { continue }
            // The chain of slots from the window's start.
            var found: [Int] = []
            var cursor = Date(timeIntervalSince1970: TimeInterval(windowStart - 1))
            while let next = cron.next(after: cursor, in: zone), Int(next.timeIntervalSince1970) <= windowEnd {
                found.append(Int(next.timeIntervalSince1970))
                cursor = next
            }
            #expect(found == expected, "\(text) in \(zoneName)")
            // From points between slots, and from the slots themselves plus a few seconds.
            for probe in stride(from: windowStart, to: windowEnd, by: 397) {
                let want = expected.first { $0 > probe }
                guard let want else { continue }
                let got = cron.next(after: Date(timeIntervalSince1970: TimeInterval(probe)), in: zone)
                #expect(got.map { Int($0.timeIntervalSince1970) } == want, "\(text) in \(zoneName) after \(probe)")
            }
        }
    }
}
