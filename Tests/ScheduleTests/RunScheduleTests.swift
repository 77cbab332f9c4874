import Foundation
import Schedule
import Testing

@Suite struct RunScheduleTests {
    private func schedule(_ expression: String, in zoneName: String = "UTC", deadline: TimeInterval? = nil) throws -> RunSchedule {
        RunSchedule(cron: try CronExpression(parsing: expression), timeZone: try zone(zoneName), startingDeadline: deadline)
    }

    private func due(_ schedule: RunSchedule, since last: String, now: String) throws -> Due {
        schedule.due(since: try instant(last), now: try instant(now))
    }

    @Test func nothingDue() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T10:30:00Z")
        #expect(due.fire == nil)
        #expect(due.missed == [])
        #expect(due.missedCount == 0)
        #expect(!due.missedCountIsLowerBound)
        #expect(iso(due.next) == "2026-05-10T11:00:00Z")
    }

    @Test func theLastSlotIsNotFiredAgain() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T10:00:00Z")
        #expect(due.fire == nil)
        #expect(due.missedCount == 0)
        #expect(iso(due.next) == "2026-05-10T11:00:00Z")
    }

    @Test func oneSlotDue() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T11:00:30Z")
        #expect(iso(due.fire) == "2026-05-10T11:00:00Z")
        #expect(due.missed == [])
        #expect(due.missedCount == 0)
        #expect(iso(due.next) == "2026-05-10T12:00:00Z")
    }

    @Test func aSlotExactlyAtNowIsDue() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T11:00:00Z")
        #expect(iso(due.fire) == "2026-05-10T11:00:00Z")
        #expect(iso(due.next) == "2026-05-10T12:00:00Z")
    }

    @Test func severalMissedFireTheLatestOnly() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T13:10:00Z")
        #expect(iso(due.fire) == "2026-05-10T13:00:00Z")
        #expect(due.missed.map(iso) == ["2026-05-10T11:00:00Z", "2026-05-10T12:00:00Z"])
        #expect(due.missedCount == 2)
        #expect(!due.missedCountIsLowerBound)
        #expect(iso(due.next) == "2026-05-10T14:00:00Z")
    }

    @Test func theLatestWithinTheDeadlineIsFired() throws {
        let due = try due(schedule("0 * * * *", deadline: 600), since: "2026-05-10T10:00:00Z", now: "2026-05-10T13:10:00Z")
        #expect(iso(due.fire) == "2026-05-10T13:00:00Z")
        #expect(due.missedCount == 2)
    }

    @Test func theLatestPastTheDeadlineIsMissedToo() throws {
        let due = try due(schedule("0 * * * *", deadline: 300), since: "2026-05-10T10:00:00Z", now: "2026-05-10T13:10:00Z")
        #expect(due.fire == nil)
        #expect(due.missed.map(iso) == ["2026-05-10T11:00:00Z", "2026-05-10T12:00:00Z", "2026-05-10T13:00:00Z"])
        #expect(due.missedCount == 3)
        #expect(!due.missedCountIsLowerBound)
        #expect(iso(due.next) == "2026-05-10T14:00:00Z")
    }

    @Test func nowBeforeLastHasNothingDue() throws {
        let due = try due(schedule("0 * * * *"), since: "2026-05-10T10:00:00Z", now: "2026-05-10T08:30:00Z")
        #expect(due.fire == nil)
        #expect(due.missedCount == 0)
        #expect(iso(due.next) == "2026-05-10T09:00:00Z")
    }

    @Test func theLatestMissedAreListed() throws {
        // 150 hourly slots after 2026-05-01T00:00Z; the 150th (05-07T06:00Z) is fired.
        let due = try due(schedule("0 * * * *"), since: "2026-05-01T00:00:00Z", now: "2026-05-07T06:30:00Z")
        #expect(iso(due.fire) == "2026-05-07T06:00:00Z")
        #expect(due.missedCount == 149)
        #expect(!due.missedCountIsLowerBound)
        #expect(due.missed.count == Due.missedLimit)
        #expect(iso(due.missed.first) == "2026-05-03T02:00:00Z")
        #expect(iso(due.missed.last) == "2026-05-07T05:00:00Z")
    }

    @Test func theLastMissedSlotIsTheLatestNotTheHundredth() throws {
        // Three hours late on a minutely schedule: 180 slots, 03:00 fired, 179 missed, the last at 02:59.
        let late = try due(schedule("* * * * *"), since: "2026-05-10T00:00:00Z", now: "2026-05-10T03:00:10Z")
        #expect(iso(late.fire) == "2026-05-10T03:00:00Z")
        #expect(late.missedCount == 179)
        #expect(iso(late.missed.last) == "2026-05-10T02:59:00Z")
        #expect(iso(late.missed.first) == "2026-05-10T01:20:00Z")
        #expect(late.missed == late.missed.sorted() && Set(late.missed).count == Due.missedLimit)
        // Past the starting deadline nothing is fired: the latest slot is the last missed.
        let skipped = try due(schedule("* * * * *", deadline: 5), since: "2026-05-10T00:00:00Z", now: "2026-05-10T03:00:10Z")
        #expect(skipped.fire == nil)
        #expect(skipped.missedCount == 180)
        #expect(iso(skipped.missed.last) == "2026-05-10T03:00:00Z")
        // Beyond the walk's count the last ones are found by search, and are the same as a full walk's would be.
        let far = try due(schedule("*/2 * * * *"), since: "2026-04-01T00:00:00Z", now: "2026-05-10T03:01:00Z")
        #expect(far.missedCountIsLowerBound)
        #expect(iso(far.fire) == "2026-05-10T03:00:00Z")
        #expect(far.missed.count == Due.missedLimit)
        #expect(iso(far.missed.last) == "2026-05-10T02:58:00Z")
        #expect(iso(far.missed.first) == "2026-05-09T23:40:00Z")
        #expect(zip(far.missed, far.missed.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 120 })
    }

    @Test func countingStopsAtTheLimit() throws {
        // Exactly 10,001 slots: the latest fired, 10,000 missed counted exactly.
        let exact = try due(schedule("* * * * *"), since: "2026-05-01T00:00:00Z", now: "2026-05-07T22:41:00Z")
        #expect(iso(exact.fire) == "2026-05-07T22:41:00Z")
        #expect(exact.missedCount == 10_000)
        #expect(!exact.missedCountIsLowerBound)
        // One more slot: more than 10,000 missed.
        let over = try due(schedule("* * * * *"), since: "2026-05-01T00:00:00Z", now: "2026-05-07T22:42:00Z")
        #expect(iso(over.fire) == "2026-05-07T22:42:00Z")
        #expect(over.missedCount == Due.countLimit)
        #expect(over.missedCountIsLowerBound)
    }

    @Test func aHugeGapStaysFast() throws {
        let start = ContinuousClock.now
        let due = try due(schedule("* * * * *", in: "Europe/Oslo"), since: "2016-05-10T10:00:00Z", now: "2026-05-10T10:00:30Z")
        let elapsed = ContinuousClock.now - start
        #expect(iso(due.fire) == "2026-05-10T10:00:00Z")
        #expect(due.missedCount == Due.countLimit)
        #expect(due.missedCountIsLowerBound)
        #expect(due.missed.count == Due.missedLimit)
        #expect(iso(due.missed.first) == "2026-05-10T08:20:00Z")
        #expect(iso(due.missed.last) == "2026-05-10T09:59:00Z")
        #expect(iso(due.next) == "2026-05-10T10:01:00Z")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }

    @Test func aHugeGapPastTheDeadline() throws {
        let due = try due(schedule("*/5 * * * *", deadline: 60), since: "2016-01-01T00:00:00Z", now: "2026-05-10T10:07:00Z")
        #expect(due.fire == nil)
        #expect(due.missedCount == Due.countLimit)
        #expect(due.missedCountIsLowerBound)
        #expect(iso(due.next) == "2026-05-10T10:10:00Z")
    }

    @Test func aHugeGapWithARareSchedule() throws {
        let due = try due(schedule("0 0 29 2 *"), since: "1900-01-01T00:00:00Z", now: "2026-05-10T00:00:00Z")
        #expect(iso(due.fire) == "2024-02-29T00:00:00Z")
        // 1904 ... 2020: 30 leap days (1900 was not a leap year).
        #expect(due.missedCount == 30)
        #expect(iso(due.missed.first) == "1904-02-29T00:00:00Z")
        #expect(iso(due.next) == "2028-02-29T00:00:00Z")
    }

    @Test func slotsAcrossClocksGoingBack() throws {
        let due = try due(schedule("0 * * * *", in: "Europe/Oslo"), since: "2026-10-24T23:00:00Z", now: "2026-10-25T02:30:00Z")
        #expect(iso(due.fire) == "2026-10-25T02:00:00Z")
        #expect(due.missed.map(iso) == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"])
    }

    @Test func slotsAcrossClocksGoingForward() throws {
        let due = try due(schedule("30 2 * * *", in: "Europe/Oslo"), since: "2026-03-28T12:00:00Z", now: "2026-03-29T01:00:00Z")
        #expect(iso(due.fire) == "2026-03-29T01:00:00Z")
        #expect(due.missedCount == 0)
    }
}
