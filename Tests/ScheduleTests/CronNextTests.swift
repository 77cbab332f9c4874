import Foundation
import Schedule
import Testing

/// `next(after:in:)`; every expected time is a UTC instant, worked out by hand (and checked against `zdump`).
@Suite struct CronNextTests {
    @Test func strictlyAfterAndSecondsIgnored() throws {
        #expect(try slots("0 2 * * *", after: "2026-05-10T02:00:00Z") == ["2026-05-11T02:00:00Z"])
        #expect(try slots("0 2 * * *", after: "2026-05-10T01:59:59Z") == ["2026-05-10T02:00:00Z"])
        #expect(try slots("* * * * *", after: "2026-05-10T10:00:30Z", count: 2) == ["2026-05-10T10:01:00Z", "2026-05-10T10:02:00Z"])
        let cron = try CronExpression(parsing: "* * * * *")
        let almost = try instant("2026-05-10T10:00:59Z").addingTimeInterval(0.999)
        #expect(iso(cron.next(after: almost, in: try zone("UTC"))) == "2026-05-10T10:01:00Z")
    }

    @Test func fieldsSkipToTheNextMatch() throws {
        #expect(try slots("*/20 9-10 * * *", after: "2026-05-10T10:45:00Z", count: 3)
            == ["2026-05-11T09:00:00Z", "2026-05-11T09:20:00Z", "2026-05-11T09:40:00Z"])
        #expect(try slots("0 9 * JAN-MAR MON-FRI", after: "2026-03-31T09:00:00Z") == ["2027-01-01T09:00:00Z"])
        #expect(try slots("30 4 1,15 * *", after: "2026-05-10T00:00:00Z", count: 3)
            == ["2026-05-15T04:30:00Z", "2026-06-01T04:30:00Z", "2026-06-15T04:30:00Z"])
    }

    @Test func aTimeZonesWallClock() throws {
        // 02:00 in Oslo is 00:00 UTC in summer, 01:00 UTC in winter.
        #expect(try slots("0 2 * * *", after: "2026-07-01T12:00:00Z", in: "Europe/Oslo") == ["2026-07-02T00:00:00Z"])
        #expect(try slots("0 2 * * *", after: "2026-01-01T12:00:00Z", in: "Europe/Oslo") == ["2026-01-02T01:00:00Z"])
        #expect(try slots("0 9 * * MON", after: "2026-05-10T12:00:00Z", in: "America/New_York") == ["2026-05-11T13:00:00Z"])
        #expect(try slots("0 0 * * *", after: "2026-05-10T12:00:00Z", in: "Asia/Kolkata") == ["2026-05-10T18:30:00Z"])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        // 2026-02-01 is a Sunday: the 1st, and then every Monday.
        #expect(try slots("0 0 1 * 1", after: "2026-01-31T12:00:00Z", count: 4)
            == ["2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z"])
        // The classic trap: "1-7 * MON" is every day 1-7 and every Monday, not the first Monday.
        #expect(try slots("0 0 1-7 * MON", after: "2026-02-06T12:00:00Z", count: 3)
            == ["2026-02-07T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z"])
        // `*/1` starts with `*`, so both must match: only Mondays.
        #expect(try slots("0 0 */1 * 1", after: "2026-01-31T12:00:00Z", count: 2) == ["2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z"])
        // Odd days that are Mondays: Feb 9 (odd), Feb 23 (odd), not Feb 2 or 16.
        #expect(try slots("0 0 */2 * MON", after: "2026-01-31T12:00:00Z", count: 2) == ["2026-02-09T00:00:00Z", "2026-02-23T00:00:00Z"])
        #expect(try slots("0 0 13 * */7", after: "2026-01-01T00:00:00Z") == ["2026-09-13T00:00:00Z"])
        #expect(try slots("0 0 * * 7", after: "2026-01-31T12:00:00Z") == ["2026-02-01T00:00:00Z"])
        #expect(try slots("0 0 * * SAT,SUN", after: "2026-02-01T12:00:00Z") == ["2026-02-07T00:00:00Z"])
    }

    @Test func monthEnds() throws {
        #expect(try slots("0 0 31 * *", after: "2026-01-31T00:00:00Z", count: 7) == [
            "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z",
            "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z",
        ])
        #expect(try slots("0 12 30 * *", after: "2026-01-30T12:00:00Z", count: 2) == ["2026-03-30T12:00:00Z", "2026-04-30T12:00:00Z"])
        #expect(try slots("0 0 31 1-2 *", after: "2026-01-31T00:00:00Z") == ["2027-01-31T00:00:00Z"])
    }

    @Test func leapDays() throws {
        #expect(try slots("0 0 29 2 *", after: "2026-01-01T00:00:00Z", count: 2) == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"])
        // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
        #expect(try slots("0 0 29 2 *", after: "2096-03-01T00:00:00Z") == ["2104-02-29T00:00:00Z"])
        #expect(try slots("0 0 29 2 *", after: "1997-01-01T00:00:00Z") == ["2000-02-29T00:00:00Z"])
        // Midnight in Oslo is 23:00 UTC the day before.
        #expect(try slots("0 0 29 2 *", after: "2026-01-01T00:00:00Z", in: "Europe/Oslo") == ["2028-02-28T23:00:00Z"])
        // Feb 29 on a Sunday: 2032, then not until 2060.
        #expect(try slots("0 0 29 2 */7", after: "2026-01-01T00:00:00Z", count: 2) == ["2032-02-29T00:00:00Z", "2060-02-29T00:00:00Z"])
    }

    @Test func yearEnd() throws {
        #expect(try slots("0 0 1 1 *", after: "2026-12-31T23:59:30Z") == ["2027-01-01T00:00:00Z"])
        #expect(try slots("59 23 31 12 *", after: "2026-12-31T23:59:00Z") == ["2027-12-31T23:59:00Z"])
        #expect(try slots("* * * * *", after: "2026-12-31T23:59:00Z") == ["2027-01-01T00:00:00Z"])
        #expect(try slots("@yearly", after: "2026-06-01T00:00:00Z", in: "Europe/Oslo") == ["2026-12-31T23:00:00Z"])
        #expect(try slots("@monthly", after: "2026-12-15T00:00:00Z", in: "America/New_York") == ["2027-01-01T05:00:00Z"])
    }

    @Test func beforeNineteenSeventy() throws {
        #expect(try slots("0 0 1 1 *", after: "1969-06-01T00:00:00Z") == ["1970-01-01T00:00:00Z"])
        #expect(try slots("30 12 * * MON", after: "1969-12-30T00:00:00Z") == ["1970-01-05T12:30:00Z"])
    }

    @Test func unrepresentableDatesGiveNil() throws {
        let cron = try CronExpression(parsing: "* * * * *")
        #expect(cron.next(after: Date(timeIntervalSince1970: .infinity), in: try zone("UTC")) == nil)
        #expect(cron.next(after: Date(timeIntervalSince1970: 1e15), in: try zone("UTC")) == nil)
        #expect(cron.next(after: .distantFuture, in: try zone("UTC")) != nil)
    }

    // MARK: Clocks going forward

    /// Europe/Oslo, 2026-03-29: at 01:00 UTC clocks go from 02:00 CET to 03:00 CEST.
    @Test func osloSpringForward() throws {
        // 02:30 does not occur that day: it fires at 03:00 CEST, then normally.
        #expect(try slots("30 2 * * *", after: "2026-03-27T12:00:00Z", in: "Europe/Oslo", count: 3)
            == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        // Every 15 minutes of elapsed time.
        #expect(try slots("*/15 * * * *", after: "2026-03-29T00:30:00Z", in: "Europe/Oslo", count: 4)
            == ["2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", "2026-03-29T01:30:00Z"])
        // Hourly: 01:00 CET, then 02:00 (missing) and 03:00 are one run at 03:00 CEST.
        #expect(try slots("0 * * * *", after: "2026-03-28T23:30:00Z", in: "Europe/Oslo", count: 3)
            == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
        // 02:00, 02:30 and 03:00 all fall on 03:00 CEST: one run, then 03:30.
        #expect(try slots("0,30 2,3 * * *", after: "2026-03-29T00:00:00Z", in: "Europe/Oslo", count: 2)
            == ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"])
        // The gap rule holds for an expression over all hours too: 02:30 is run at 03:00 CEST, before 03:30.
        #expect(try slots("30 * * * *", after: "2026-03-29T00:00:00Z", in: "Europe/Oslo", count: 3)
            == ["2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"])
        // Just before and just after the jump.
        #expect(try slots("30 2 * * *", after: "2026-03-29T00:59:59Z", in: "Europe/Oslo") == ["2026-03-29T01:00:00Z"])
        #expect(try slots("30 2 * * *", after: "2026-03-29T01:00:00Z", in: "Europe/Oslo") == ["2026-03-30T00:30:00Z"])
    }

    /// America/New_York, 2026-03-08: at 07:00 UTC clocks go from 02:00 EST to 03:00 EDT.
    @Test func newYorkSpringForward() throws {
        #expect(try slots("30 2 * * *", after: "2026-03-07T12:00:00Z", in: "America/New_York", count: 2)
            == ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        #expect(try slots("*/15 * * * *", after: "2026-03-08T06:40:00Z", in: "America/New_York", count: 3)
            == ["2026-03-08T06:45:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z"])
        #expect(try slots("0 * * * *", after: "2026-03-08T05:30:00Z", in: "America/New_York", count: 3)
            == ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"])
    }

    /// Australia/Lord_Howe, 2026-10-04: at 15:30 UTC the day before, clocks go from 02:00 to 02:30 (+10:30 to +11).
    @Test func halfHourSpringForward() throws {
        #expect(try slots("15 2 * * *", after: "2026-10-03T12:00:00Z", in: "Australia/Lord_Howe", count: 2)
            == ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"])
    }

    /// America/Santiago, 2026-09-06: at 04:00 UTC clocks go from 00:00 to 01:00, so midnight does not occur.
    @Test func midnightThatDoesNotOccur() throws {
        #expect(try slots("0 0 * * *", after: "2026-09-05T00:00:00Z", in: "America/Santiago", count: 3)
            == ["2026-09-05T04:00:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"])
    }

    // MARK: Clocks going back

    /// Europe/Oslo, 2026-10-25: at 01:00 UTC clocks go from 03:00 CEST back to 02:00 CET.
    @Test func osloFallBack() throws {
        // A fixed hour: once, at the first 02:30 (CEST).
        #expect(try slots("30 2 * * *", after: "2026-10-24T12:00:00Z", in: "Europe/Oslo", count: 2)
            == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
        // Also from inside the repeated hour: the first 02:30 is past, the second is not a slot.
        #expect(try slots("30 2 * * *", after: "2026-10-25T01:10:00Z", in: "Europe/Oslo") == ["2026-10-26T01:30:00Z"])
        // A fixed hour with a minute step: the first occurrences only.
        #expect(try slots("*/15 2 * * *", after: "2026-10-24T23:00:00Z", in: "Europe/Oslo", count: 5) == [
            "2026-10-25T00:00:00Z", "2026-10-25T00:15:00Z", "2026-10-25T00:30:00Z", "2026-10-25T00:45:00Z", "2026-10-26T01:00:00Z",
        ])
        // Every 15 minutes of elapsed time through both 02:00-02:59.
        #expect(try slots("*/15 * * * *", after: "2026-10-25T00:30:00Z", in: "Europe/Oslo", count: 7) == [
            "2026-10-25T00:45:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:15:00Z", "2026-10-25T01:30:00Z",
            "2026-10-25T01:45:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z",
        ])
        // Hourly: 02:00 CEST, 02:00 CET, 03:00 CET.
        #expect(try slots("0 * * * *", after: "2026-10-24T23:30:00Z", in: "Europe/Oslo", count: 4)
            == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"])
        // `*/1` and `0-23` cover every hour too.
        #expect(try slots("0 */1 * * *", after: "2026-10-25T00:00:00Z", in: "Europe/Oslo") == ["2026-10-25T01:00:00Z"])
        #expect(try slots("0 0-23 * * *", after: "2026-10-25T00:00:00Z", in: "Europe/Oslo") == ["2026-10-25T01:00:00Z"])
        // From inside the second 02:00-02:59.
        #expect(try slots("*/15 * * * *", after: "2026-10-25T01:20:00Z", in: "Europe/Oslo", count: 2)
            == ["2026-10-25T01:30:00Z", "2026-10-25T01:45:00Z"])
        #expect(try slots("0 * * * *", after: "2026-10-25T00:59:59Z", in: "Europe/Oslo") == ["2026-10-25T01:00:00Z"])
    }

    /// America/New_York, 2026-11-01: at 06:00 UTC clocks go from 02:00 EDT back to 01:00 EST.
    @Test func newYorkFallBack() throws {
        #expect(try slots("30 1 * * *", after: "2026-10-31T12:00:00Z", in: "America/New_York", count: 2)
            == ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        // 02:30 occurs once that day, after the change.
        #expect(try slots("30 2 * * *", after: "2026-10-31T12:00:00Z", in: "America/New_York") == ["2026-11-01T07:30:00Z"])
        #expect(try slots("*/15 * * * *", after: "2026-11-01T05:30:00Z", in: "America/New_York", count: 7) == [
            "2026-11-01T05:45:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:15:00Z", "2026-11-01T06:30:00Z",
            "2026-11-01T06:45:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:15:00Z",
        ])
        #expect(try slots("0 * * * *", after: "2026-11-01T04:30:00Z", in: "America/New_York", count: 3)
            == ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"])
    }

    /// Australia/Lord_Howe, 2026-04-05: at 15:00 UTC the day before, clocks go from 02:00 back to 01:30.
    @Test func halfHourFallBack() throws {
        #expect(try slots("45 1 * * *", after: "2026-04-04T12:00:00Z", in: "Australia/Lord_Howe", count: 2)
            == ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"])
        #expect(try slots("45 * * * *", after: "2026-04-04T14:00:00Z", in: "Australia/Lord_Howe", count: 3)
            == ["2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-04T16:15:00Z"])
    }

    // MARK: Cost

    @Test func rareMatchesAreFoundQuickly() throws {
        let cron = try CronExpression(parsing: "0 0 29 2 */7")
        let start = ContinuousClock.now
        var cursor = try instant("2000-01-01T00:00:00Z")
        for _ in 0..<20 {
            cursor = try #require(cron.next(after: cursor, in: try zone("Europe/Oslo")))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(cursor > (try instant("2400-01-01T00:00:00Z")))
    }
}
