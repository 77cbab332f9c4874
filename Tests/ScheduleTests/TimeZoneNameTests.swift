import Foundation
import Schedule
import Testing

@Suite struct TimeZoneNameTests {
    @Test func ianaNames() throws {
        #expect(TimeZoneName.zone("Europe/Oslo")?.identifier == "Europe/Oslo")
        #expect(TimeZoneName.zone("America/New_York")?.identifier == "America/New_York")
        #expect(TimeZoneName.zone("America/Argentina/Buenos_Aires")?.identifier == "America/Argentina/Buenos_Aires")
        #expect(TimeZoneName.zone("America/Port-au-Prince") != nil)
        // Current and former names alike.
        #expect(TimeZoneName.zone("Asia/Kolkata") != nil)
        #expect(TimeZoneName.zone("Asia/Calcutta") != nil)
        #expect(TimeZoneName.zone("Europe/Kyiv") != nil)
        #expect(TimeZoneName.zone("Etc/UTC")?.secondsFromGMT() == 0)
        let utc = try #require(TimeZoneName.zone("UTC"))
        #expect(utc.secondsFromGMT(for: try instant("2026-07-01T00:00:00Z")) == 0)
    }

    @Test(arguments: ["", "utc", "GMT", "GMT+2", "UTC+1", "CET", "PST", "EST5EDT", "US/Eastern", "europe/oslo", "Europe/Olso",
                      "Europe/Nowhere", "Europe/", "/Oslo", "Europe//Oslo", " Europe/Oslo", "Europe/Oslo ", "Oslo"])
    func otherNamesAreRefused(_ name: String) {
        #expect(TimeZoneName.zone(name) == nil)
    }

    @Test func theZonesHaveRealDaylightSavingTime() throws {
        let oslo = try #require(TimeZoneName.zone("Europe/Oslo"))
        #expect(oslo.secondsFromGMT(for: try instant("2026-01-15T12:00:00Z")) == 3600)
        #expect(oslo.secondsFromGMT(for: try instant("2026-07-15T12:00:00Z")) == 7200)
        #expect(iso(oslo.nextDaylightSavingTimeTransition(after: try instant("2026-01-01T00:00:00Z"))) == "2026-03-29T01:00:00Z")
        let newYork = try #require(TimeZoneName.zone("America/New_York"))
        #expect(iso(newYork.nextDaylightSavingTimeTransition(after: try instant("2026-06-01T00:00:00Z"))) == "2026-11-01T06:00:00Z")
    }

    @Test func suggestions() {
        #expect(TimeZoneName.suggestions(for: "Europe/Olso") == ["Europe/Oslo"])
        #expect(TimeZoneName.suggestions(for: "europe/oslo") == ["Europe/Oslo"])
        #expect(TimeZoneName.suggestions(for: "Europe/Oslo ") == ["Europe/Oslo"])
        #expect(TimeZoneName.suggestions(for: "Oslo") == ["Europe/Oslo"])
        #expect(TimeZoneName.suggestions(for: "new york") == ["America/New_York"])
        #expect(TimeZoneName.suggestions(for: "America/NewYork") == ["America/New_York"])
        #expect(TimeZoneName.suggestions(for: "Asia/Kolkatta").first == "Asia/Kolkata")
        #expect(TimeZoneName.suggestions(for: "utc") == ["UTC"])
        #expect(TimeZoneName.suggestions(for: "GMT") == ["UTC"])
        #expect(TimeZoneName.suggestions(for: "PST") == ["America/Los_Angeles"])
        #expect(TimeZoneName.suggestions(for: "CET") == ["Europe/Paris"])
        #expect(TimeZoneName.suggestions(for: "Xyzzy/Qwerty") == [])
        #expect(TimeZoneName.suggestions(for: "") == [])
        #expect(TimeZoneName.suggestions(for: "Europe/Oslo") == [])
    }

    @Test func closeNamesClosestFirst() {
        #expect(TimeZoneName.suggestions(for: "Europe/Berln") == ["Europe/Berlin"])
        #expect(TimeZoneName.suggestions(for: "Amerika/Chicago") == ["America/Chicago"])
        #expect(TimeZoneName.suggestions(for: "London") == ["Europe/London"])
        #expect(TimeZoneName.suggestions(for: "sao paulo") == ["America/Sao_Paulo"])
        #expect(TimeZoneName.suggestions(for: "Asia/Omsc") == ["Asia/Omsk", "Asia/Tomsk"])
        for name in ["Asia/A", "America/S", "Etc/GMT+", "Pacific/", "Indian/X"] {
            #expect(TimeZoneName.suggestions(for: name).count <= 3)
        }
    }

    @Test func everyKnownNameIsAccepted() {
        #expect(TimeZoneName.knownNames.count > 400)
        #expect(TimeZoneName.knownNames.allSatisfy { TimeZoneName.zone($0) != nil })
        #expect(TimeZoneName.knownNames.contains("UTC"))
        #expect(TimeZoneName.knownNames.contains("Europe/Oslo"))
    }
}
