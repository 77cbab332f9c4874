import Foundation
import Schedule
import Testing

/// `catchUp: all`: the slots fired in turn, and what a slot given by hand must be.
@Suite struct CatchUpTests {
    private func schedule(_ expression: String, in zoneName: String = "UTC", deadline: TimeInterval? = nil) throws -> RunSchedule {
        RunSchedule(cron: try CronExpression(parsing: expression), timeZone: try zone(zoneName), startingDeadline: deadline)
    }

    private func due(_ schedule: RunSchedule, since last: String, now: String, catchUp: Int = 100) throws -> Due {
        schedule.due(since: try instant(last), now: try instant(now), catchUp: catchUp)
    }

    @Test func threeHoursLateFiresEverySlotOldestFirst() throws {
        let due = try due(schedule("0 * * * *"), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:10:00Z")
        #expect(due.firing.map(iso) == ["2030-05-10T01:00:00Z", "2030-05-10T02:00:00Z", "2030-05-10T03:00:00Z"])
        #expect(iso(due.fire) == "2030-05-10T01:00:00Z")
        #expect(due.missedCount == 0)
        #expect(due.missed == [])
        #expect(iso(due.next) == "2030-05-10T04:00:00Z")
    }

    @Test func withoutCatchUpTheLatestAloneIsFired() throws {
        let due = try due(schedule("0 * * * *"), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:10:00Z", catchUp: 1)
        #expect(due.firing.map(iso) == ["2030-05-10T03:00:00Z"])
        #expect(due.missedCount == 2)
    }

    @Test func slotsPastTheDeadlineAreMissed() throws {
        let due = try due(schedule("0 * * * *", deadline: 5400), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:10:00Z")
        #expect(due.firing.map(iso) == ["2030-05-10T02:00:00Z", "2030-05-10T03:00:00Z"])
        #expect(due.missedCount == 1)
        #expect(due.missed.map(iso) == ["2030-05-10T01:00:00Z"])
        // Every slot past it: nothing fires.
        let late = try self.due(schedule("0 * * * *", deadline: 60), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:10:00Z")
        #expect(late.firing == [] && late.fire == nil)
        #expect(late.missedCount == 3)
        #expect(iso(late.missed.last) == "2030-05-10T03:00:00Z")
    }

    @Test func theLatestHundredAreFiredAndTheRestMissed() throws {
        // Three hours late on a minutely schedule: 180 slots, the latest 100 fired (01:01 to 03:00), 80 missed.
        let due = try due(schedule("* * * * *"), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:00:10Z")
        #expect(due.firing.count == 100)
        #expect(iso(due.firing.first) == "2030-05-10T01:21:00Z")
        #expect(iso(due.firing.last) == "2030-05-10T03:00:00Z")
        #expect(due.missedCount == 80)
        #expect(iso(due.missed.last) == "2030-05-10T01:20:00Z")
        #expect(due.missed.count == 80)
    }

    @Test func aHugeGapFiresTheLatestFoundBySearch() throws {
        let due = try due(schedule("*/2 * * * *"), since: "2030-04-01T00:00:00Z", now: "2030-05-10T03:01:00Z")
        #expect(due.firing.count == 100)
        #expect(iso(due.firing.last) == "2030-05-10T03:00:00Z")
        #expect(zip(due.firing, due.firing.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 120 })
        #expect(due.missedCountIsLowerBound)
        #expect(due.missed.count == Due.missedLimit)
        #expect(iso(due.firing.first) == "2030-05-09T23:42:00Z")
        #expect(iso(due.missed.last) == "2030-05-09T23:40:00Z")
    }

    @Test func moreThanTheLimitIsNotAsked() throws {
        let due = try due(schedule("* * * * *"), since: "2030-05-10T00:00:00Z", now: "2030-05-10T03:00:10Z", catchUp: 5000)
        #expect(due.firing.count == Due.missedLimit)
    }

    @Test func slotsOfASchedule() throws {
        let hourly = try schedule("0 * * * *", in: "Europe/Oslo")
        #expect(hourly.isSlot(try instant("2030-05-10T01:00:00Z")))
        #expect(!hourly.isSlot(try instant("2030-05-10T01:30:00Z")))
        #expect(iso(hourly.slot(before: try instant("2030-05-10T01:30:00Z"))) == "2030-05-10T01:00:00Z")
        #expect(iso(hourly.slot(before: try instant("2030-05-10T01:00:00Z"))) == "2030-05-10T00:00:00Z")
        let yearly = try schedule("0 0 29 2 *")
        #expect(iso(yearly.slot(before: try instant("2030-05-10T00:00:00Z"))) == "2028-02-29T00:00:00Z")
    }

    @Test func slotTimesAsWritten() throws {
        let oslo = try zone("Europe/Oslo")
        #expect(iso(SlotTime(parsing: "2030-01-01T01:00:00Z")?.date(in: oslo)) == "2030-01-01T01:00:00Z")
        #expect(iso(SlotTime(parsing: "2030-01-01T02:00+01:00")?.date(in: oslo)) == "2030-01-01T01:00:00Z")
        #expect(iso(SlotTime(parsing: "2030-01-01T00:30:00-0530")?.date(in: oslo)) == "2030-01-01T06:00:00Z")
        // Without an offset: the schedule's wall clock (winter +01:00, summer +02:00).
        #expect(iso(SlotTime(parsing: "2030-01-01T02:00")?.date(in: oslo)) == "2030-01-01T01:00:00Z")
        #expect(iso(SlotTime(parsing: "2030-07-01 02:00:00")?.date(in: oslo)) == "2030-07-01T00:00:00Z")
        #expect(SlotTime(parsing: "2030-01-01T02:00") == .wallClock(1_893_463_200))
        for bad in ["2030-01-01", "tomorrow", "2030-02-30T01:00Z", "2030-01-01T24:00Z", "2030-01-01T01:00:00.5Z"] {
            #expect(SlotTime(parsing: bad) == nil, "\(bad)")
        }
    }
}
