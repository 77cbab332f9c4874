import BatchTask
import Testing

@Suite struct DotNetDateTests {
    @Test func parsesTheAPIFormat() throws {
        let d = try #require(DotNetDate("2018-06-01T14:34:02.7132229+02:00"))
        #expect(d.offsetMinutes == 120)
        // 2018-06-01T12:34:02.7132229Z
        #expect(d.ticksSince1970 == 15_278_564_427_132_229)
        #expect(abs(d.secondsSince1970 - 1_527_856_442.7132229) < 1e-6)  // a Double cannot hold all 7 digits here; ticks can
        #expect(d.text == "2018-06-01T14:34:02.7132229+02:00")
    }

    @Test func fractionDigitsZeroToSeven() throws {
        let texts = ["2026-11-29T07:00:00Z", "2026-11-29T07:00:00.5Z", "2026-11-29T07:00:00.12Z", "2026-11-29T07:00:00.123Z",
                     "2026-11-29T07:00:00.1234Z", "2026-11-29T07:00:00.12345Z", "2026-11-29T07:00:00.123456Z",
                     "2026-11-29T07:00:00.1234567Z"]
        let expectedTicks: [Int64] = [0, 5_000_000, 1_200_000, 1_230_000, 1_234_000, 1_234_500, 1_234_560, 1_234_567]
        let base = try #require(DotNetDate("2026-11-29T07:00:00+00:00")).ticksSince1970
        for (text, ticks) in zip(texts, expectedTicks) {
            let d = try #require(DotNetDate(text), "\(text)")
            #expect(d.ticksSince1970 - base == ticks, "\(text)")
            #expect(d.offsetMinutes == 0)
        }
        #expect(DotNetDate("2026-11-29T07:00:00Z")?.text == "2026-11-29T07:00:00.0000000+00:00")
        #expect(DotNetDate("2026-11-29T07:00:00.12345678Z") == nil)
        #expect(DotNetDate("2026-11-29T07:00:00.Z") == nil)
    }

    @Test func offsets() throws {
        #expect(DotNetDate("2026-01-01T00:00:00-05:30")?.offsetMinutes == -330)
        #expect(DotNetDate("2026-01-01T00:00:00+14:00")?.offsetMinutes == 840)
        #expect(DotNetDate("2026-01-01T00:00:00-00:00")?.offsetMinutes == 0)
        #expect(DotNetDate("2026-01-01T00:00:00-05:30")?.text == "2026-01-01T00:00:00.0000000-05:30")
        // The same instant written in different offsets.
        #expect(DotNetDate("2026-01-01T00:00:00-05:30")?.ticksSince1970 == DotNetDate("2026-01-01T05:30:00Z")?.ticksSince1970)
    }

    @Test func rejectsInvalidText() {
        for bad in [
            "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-32T00:00:00Z",
            "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "0000-01-01T00:00:00Z",
            "2026-01-01T00:00:00", "2026-01-01T00:00:00.123", "2026-01-01", "2026-01-01 00:00:00Z", "2026-01-01t00:00:00Z",
            "2026-01-01T00:00:00z", "2026-01-01T00:00:00+02:0", "2026-01-01T00:00:00+02", "2026-01-01T00:00:00+14:01",
            "2026-01-01T00:00:00+02:60", "26-01-01T00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00Z ", "",
            "２０２６-01-01T00:00:00Z",
        ] {
            #expect(!DotNetDate.isValid(bad), "\(bad)")
        }
        #expect(DotNetDate.isValid("2024-02-29T00:00:00Z"))
        #expect(DotNetDate.isValid("2000-02-29T23:59:59.9999999+01:00"))
        #expect(!DotNetDate.isValid("1900-02-29T00:00:00Z"))
        #expect(DotNetDate.isValid("0001-01-01T00:00:00+00:00"))
        #expect(DotNetDate.isValid("9999-12-31T23:59:59.9999999Z"))
    }

    @Test func convertsBetweenOffsets() throws {
        let d = try #require(DotNetDate("2018-06-01T14:34:02.7132229+02:00"))
        #expect(d.converted(toOffsetMinutes: 0).text == "2018-06-01T12:34:02.7132229+00:00")
        #expect(d.converted(toOffsetMinutes: -600).text == "2018-06-01T02:34:02.7132229-10:00")
        #expect(d.converted(toOffsetMinutes: 840).text == "2018-06-02T02:34:02.7132229+14:00")
        #expect(d.converted(toOffsetMinutes: 330).converted(toOffsetMinutes: 120) == d)
        // Across a year and a leap day.
        #expect(DotNetDate("2024-03-01T01:00:00+02:00")?.converted(toOffsetMinutes: 0).text == "2024-02-29T23:00:00.0000000+00:00")
        #expect(DotNetDate("2025-12-31T23:30:00Z")?.converted(toOffsetMinutes: 60).text == "2026-01-01T00:30:00.0000000+01:00")
    }

    @Test func fromSeconds() {
        #expect(DotNetDate(secondsSince1970: 0, offsetMinutes: 0).text == "1970-01-01T00:00:00.0000000+00:00")
        #expect(DotNetDate(secondsSince1970: -0.5, offsetMinutes: 0).text == "1969-12-31T23:59:59.5000000+00:00")
        #expect(DotNetDate(secondsSince1970: 1_795_849_200, offsetMinutes: 60).text == "2026-11-28T08:00:00.0000000+01:00")
        #expect(DotNetDate(secondsSince1970: .nan, offsetMinutes: 0).ticksSince1970 == 0)
    }

    @Test func calendarArithmeticMatchesEveryDay() throws {
        // Parse and format agree for every day over four centuries: text -> instant -> text.
        var day = try #require(DotNetDate("1900-01-01T12:00:00Z"))
        let step = Int64(86_400) * DotNetDate.ticksPerSecond
        for _ in 0..<(146_097 + 400) {
            let text = day.text
            #expect(DotNetDate(text) == day)
            day = DotNetDate(ticksSince1970: day.ticksSince1970 + step, offsetMinutes: 0)
        }
        #expect(day.text.hasPrefix("2301-02-0"))
    }

    // api.md v3, "Dates and time zones": a client reads every form a server writes.

    @Test func aDateWithZ() throws {
        let d = try #require(DotNetDate("2018-12-24T12:34:45Z"))
        #expect(d.offsetMinutes == 0)
        #expect(d.text(.compact) == "2018-12-24T12:34:45+0000")
    }

    @Test func aDateWithColonOffset() throws {
        let d = try #require(DotNetDate("2018-12-24T07:34:45-05:00"))
        #expect(d.ticksSince1970 == DotNetDate("2018-12-24T12:34:45Z")?.ticksSince1970)
        #expect(d.offsetMinutes == -300)
    }

    @Test func aDateWithCompactOffset() throws {
        // SuperOffice's includeTZOffset writes the offset without a colon.
        let d = try #require(DotNetDate("2018-12-24T07:34:45-0500"))
        #expect(d.ticksSince1970 == DotNetDate("2018-12-24T12:34:45Z")?.ticksSince1970)
        #expect(d.offsetMinutes == -300)
        #expect(d.text(.compact) == "2018-12-24T07:34:45-0500")
        #expect(DotNetDate("2018-12-24T07:34:45.1234567+0530")?.offsetMinutes == 330)
        #expect(DotNetDate("2018-12-24T07:34:45+1401") == nil)
        #expect(DotNetDate("2018-12-24T07:34:45+05") == nil)
        #expect(DotNetDate("2018-12-24T07:34:45+050") == nil)
    }

    @Test func aDateWithoutOffsetIsNoInstantAlone() throws {
        #expect(DotNetDate("2018-12-24T12:34:45") == nil)
        #expect(DotNetDate.isValid("2018-12-24T12:34:45") == false)
        #expect(DotNetDate.isWellFormed("2018-12-24T12:34:45"))
        #expect(DotNetDate.isWellFormed("2018-12-24T12:34:45.71"))
        #expect(!DotNetDate.isWellFormed("2018-12-24T12:34"))
        #expect(!DotNetDate.isWellFormed("2018-12-24 12:34:45"))
        // Read as wall time in a zone the reader knows: here five hours behind UTC.
        let d = try #require(DotNetDate("2018-12-24T07:34:45", wallTimeOffset: { _ in -300 }))
        #expect(d.ticksSince1970 == DotNetDate("2018-12-24T12:34:45Z")?.ticksSince1970)
        // A date with its own offset keeps it, whatever the zone.
        let own = try #require(DotNetDate("2018-12-24T12:34:45Z", wallTimeOffset: { _ in -300 }))
        #expect(own.offsetMinutes == 0)
        #expect(d.text(.wallTime) == "2018-12-24T07:34:45")
        #expect(DotNetDate("2018-12-24T07:34:45.5Z")?.text(.wallTime) == "2018-12-24T07:34:45.5000000")
    }

    @Test func wallParts() throws {
        let wall = try #require(DotNetDate.Wall("2018-12-24T07:34:45"))
        #expect(wall.offsetMinutes == nil)
        #expect(DotNetDate.Wall("2018-12-24T07:34:45+0100")?.offsetMinutes == 60)
        #expect(DotNetDate.Wall("2018-12-24T07:34:45+01:00")?.localTicks == wall.localTicks)
        #expect(DotNetDate("2018-12-24T07:34:45-05:00")?.wall.localTicks == wall.localTicks)
    }
}
