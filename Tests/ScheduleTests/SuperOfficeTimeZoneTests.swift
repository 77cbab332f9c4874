import BatchTask
import Schedule
import Testing

@Suite struct SuperOfficeTimeZoneTests {
    private func ticks(_ text: String) throws -> Int64 {
        try #require(DotNetDate(text)).ticksSince1970
    }

    @Test func codesAndIdsNameTheSameZones() throws {
        for (code, id, _) in SuperOfficeTimeZone.known {
            let byCode = try #require(SuperOfficeTimeZone(code))
            let byID = try #require(SuperOfficeTimeZone(String(id)))
            #expect(byCode == byID)
            #expect(byID.name == code)
        }
        #expect(SuperOfficeTimeZone("us-ny")?.name == "US-NY")
        #expect(SuperOfficeTimeZone("460")?.name == "US-NY")
        #expect(SuperOfficeTimeZone("261")?.name == "NO")
    }

    @Test func ianaNamesAndOffsets() throws {
        #expect(SuperOfficeTimeZone("Europe/Oslo")?.name == "Europe/Oslo")
        #expect(SuperOfficeTimeZone("+02:00")?.name == "+02:00")
        #expect(SuperOfficeTimeZone("+0530")?.name == "+05:30")
        #expect(SuperOfficeTimeZone("UTC-5")?.name == "-05:00")
        #expect(SuperOfficeTimeZone("GMT")?.name == "UTC")
    }

    @Test(arguments: ["", "XX", "US-XX", "9999", "Europe/Olso", "+15:00", "+2:00", "CET", "NO,"])
    func unknownZonesAreRefused(_ text: String) {
        #expect(SuperOfficeTimeZone(text) == nil)
    }

    @Test func summerAndWinter() throws {
        let newYork = try #require(SuperOfficeTimeZone("US-NY"))
        #expect(newYork.offsetMinutes(atTicks: try ticks("2018-12-24T12:34:45Z")) == -300)
        #expect(newYork.offsetMinutes(atTicks: try ticks("2018-07-24T12:34:45Z")) == -240)
        let norway = try #require(SuperOfficeTimeZone("NO"))
        #expect(norway.offsetMinutes(atTicks: try ticks("2018-12-24T12:34:45Z")) == 60)
        #expect(norway.offsetMinutes(atTicks: try ticks("2018-07-24T12:34:45Z")) == 120)
        let hawaii = try #require(SuperOfficeTimeZone("433"))
        #expect(hawaii.offsetMinutes(atTicks: try ticks("2018-07-24T12:34:45Z")) == -600)
    }

    @Test func wallTimeIsReadInTheZone() throws {
        let newYork = try #require(SuperOfficeTimeZone("US-NY"))
        let wall = try #require(DotNetDate.Wall("2018-12-24T07:34:45")).localTicks
        #expect(newYork.offsetMinutes(forWallTicks: wall) == -300)
        // Around the spring change (02:00 -> 03:00 on 2018-03-11): both sides read right.
        let before = try #require(DotNetDate.Wall("2018-03-11T01:30:00")).localTicks
        let after = try #require(DotNetDate.Wall("2018-03-11T03:30:00")).localTicks
        #expect(newYork.offsetMinutes(forWallTicks: before) == -300)
        #expect(newYork.offsetMinutes(forWallTicks: after) == -240)
        // A wall time the change skips takes the offset in force before it.
        let skipped = try #require(DotNetDate.Wall("2018-03-11T02:30:00")).localTicks
        #expect(newYork.offsetMinutes(forWallTicks: skipped) == -300)
    }

    @Test func theHeader() throws {
        let plain = try #require(TimeZoneHeader("US-NY"))
        #expect(plain.includesOffset == false)
        #expect(plain.zone.name == "US-NY")
        let asked = try #require(TimeZoneHeader("460,includeTZOffset"))
        #expect(asked.includesOffset)
        #expect(asked.zone.name == "US-NY")
        #expect(TimeZoneHeader("NO ,  includetzoffset")?.includesOffset == true)
        #expect(TimeZoneHeader("NO, includeEverything") == nil)
        #expect(TimeZoneHeader("Nowhere, includeTZOffset") == nil)
        #expect(TimeZoneHeader.standard.description == "UTC, includeTZOffset")
        #expect(TimeZoneHeader(zone: try #require(SuperOfficeTimeZone("261")), includesOffset: true).description == "NO, includeTZOffset")
    }
}
