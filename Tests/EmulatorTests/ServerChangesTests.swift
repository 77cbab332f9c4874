import BatchTask
import Foundation
import JSON
import Schedule
import SystemUserLogin
import Testing

@testable import Emulator

/// What api.md v3 says a real server changes, over loopback against the real server: the BinaryObject link, dates
/// in the request's zone, PUT binding a whole BatchTaskInfo, no PATCH, slim archive rows, jobs by Name, and
/// bounded filters.
@Suite struct ServerChangesTests {
    static func zone(_ name: String) throws -> SuperOfficeTimeZone {
        try #require(SuperOfficeTimeZone(name), "\(name)")
    }

    /// A configuration with a base zone and jobs of `seconds` (a tenth of it queued).
    static func configuration(base: String = "UTC", jobSeconds: Double = 10, databasePath: String = ":memory:") throws -> EmulatorConfiguration {
        var configuration = testConfiguration(databasePath: databasePath, jobs: JobConfiguration(durationSeconds: jobSeconds))
        configuration.baseTimeZone = try zone(base)
        return configuration
    }

    // MARK: BinaryObject

    @Test func aParameterObjectIsLinkedToTheNextBinaryObjectRowWhateverWasSent() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try Self.configuration(databasePath: directory.appendingPathComponent("blobs.sqlite").path)
        try await withServer(configuration) { client async throws in
            let first = try await client.create(["Name": "a", "ParameterObject": ["file": "a.csv"], "DetailsTable": 5, "DetailsRecord": 7])
            let plain = try await client.create(["Name": "b", "DetailsTable": 5, "DetailsRecord": 7])
            let nullParameters = try await client.create(["Name": "c", "ParameterObject": .null, "DetailsTable": 9, "DetailsRecord": 1])
            let agents = try await client.send(
                .POST, "/api/v1/Agents/Batch/StartBatchJob",
                body: #"{"BatchTaskInfo": {"Name": "d", "ParameterObject": {"n": 1}, "DetailsTable": 1, "DetailsRecord": 1}}"#)
            let second = try #require(try agents.json.intValue.flatMap { Int32(exactly: $0) })

            let linked = try await client.task(first)
            #expect(linked.detailsTable == 38)
            #expect(linked.detailsRecord == 1)
            #expect(linked.parameterObject == ["file": "a.csv"])
            let kept = try await client.task(plain)
            #expect(kept.detailsTable == 5)
            #expect(kept.detailsRecord == 7)
            let keptWithNull = try await client.task(nullParameters)
            #expect(keptWithNull.detailsTable == 9)
            #expect(keptWithNull.detailsRecord == 1)
            let viaAgents = try await client.task(second)
            #expect(viaAgents.detailsTable == 38)
            #expect(viaAgents.detailsRecord == 2)
            // A PUT does not move the link.
            _ = try await client.send(.PUT, "/api/v1/BatchTask/\(first)", body: #"{"State": "New", "DetailsRecord": 99}"#)
            #expect(try await client.task(first).detailsRecord == 1)
        }
        // The blob table survives a restart: the next blob gets the next id.
        try await withServer(configuration) { client async throws in
            #expect(try await client.task(1).detailsRecord == 1)
            let third = try await client.create(["Name": "e", "ParameterObject": [:]])
            let task = try await client.task(third)
            #expect(task.detailsTable == 38)
            #expect(task.detailsRecord == 3)
            let stored = try #require(try await client.server?.store.blob(id: 1))
            #expect(try JSONValue.parse(Array(stored.utf8)) == ["file": "a.csv"])
        }
    }

    // MARK: Dates and time zones

    @Test func theBaseZoneGivesWallTimeWithoutAnOffsetAndCreatedInUTC() async throws {
        let time = ManualClock("2026-01-15T10:00:00Z")
        try await withServer(try Self.configuration(base: "NO"), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "oslo"])
            time.advance(seconds: 1)
            let task = try await client.task(id)
            // LastStarted is 10:00:01Z: Oslo wall time in winter is an hour ahead, written without an offset.
            #expect(task.lastStarted == "2026-01-15T11:00:01")
            // Created (set by the server, as none was sent) is UTC whatever the zone.
            #expect(task.created == "2026-01-15T10:00:00")
            let agents = try await client.send(.POST, "/api/v1/Agents/Batch/GetBatchTaskInfo", body: #"{"Id": \#(id)}"#)
            #expect(try agents.task.lastStarted == "2026-01-15T11:00:01")
            let xml = try await client.get("/api/v1/BatchTask/\(id)", accept: "application/xml")
            #expect(xml.text.contains("<LastStarted>2026-01-15T11:00:01</LastStarted>"))
            #expect(xml.text.contains("<Created>2026-01-15T10:00:00</Created>"))
            let list = try await client.get("/api/v1/BatchTask/All")
            #expect(try list.json[0]?["LastStarted"] == "2026-01-15T11:00:01")
        }
    }

    @Test func includeTZOffsetWritesTheZonesOffsetWithoutAColonInWinterAndSummer() async throws {
        let time = ManualClock("2026-01-15T10:00:00.5Z")
        try await withServer(try Self.configuration(), clock: time.clock) { client async throws in
            let winter = try await client.create(["Name": "winter"])
            time.advance(seconds: 1)
            time.advance(seconds: 181 * 86_400)  // 2026-07-15
            let summer = try await client.create(["Name": "summer"])
            time.advance(seconds: 1)
            for header in ["US-NY, includeTZOffset", "460, includeTZOffset", "us-ny,includeTZOffset"] {
                let w = try await client.get("/api/v1/BatchTask/\(winter)", headers: [("SO-TimeZone", header)]).task
                #expect(w.lastStarted == "2026-01-15T05:00:01.5000000-0500", "\(header)")
                // Created is tagged as UTC.
                #expect(w.created == "2026-01-15T10:00:00.5000000Z", "\(header)")
                let s = try await client.get("/api/v1/BatchTask/\(summer)", headers: [("SO-TimeZone", header)]).task
                #expect(s.lastStarted == "2026-07-15T06:00:02.5000000-0400", "\(header)")
            }
            // Without includeTZOffset: New York wall time, no offset; 460 is US-NY.
            for header in ["US-NY", "460"] {
                let s = try await client.get("/api/v1/BatchTask/\(summer)", headers: [("SO-TimeZone", header)]).task
                #expect(s.lastStarted == "2026-07-15T06:00:02.5000000", "\(header)")
                #expect(s.created == "2026-07-15T10:00:01.5000000", "\(header)")
            }
            // Every form reads back as the same instant.
            let utc = try await client.get("/api/v1/BatchTask/\(summer)", headers: [("SO-TimeZone", "UTC, includeTZOffset")]).task
            #expect(utc.lastStarted == "2026-07-15T10:00:02.5000000+0000")
            let offset = try await client.get("/api/v1/BatchTask/\(summer)", headers: [("SO-TimeZone", "+05:30, includeTZOffset")]).task
            #expect(offset.lastStarted == "2026-07-15T15:30:02.5000000+0530")
        }
    }

    @Test func anOffsetLessDateInARequestIsWallTimeInTheRequestsZone() async throws {
        try await withServer(try Self.configuration(base: "NO")) { client async throws in
            let newYork = [("SO-TimeZone", "US-NY")]
            let wall = try await client.send(
                .POST, "/api/v1/BatchTask", body: #"{"Name": "ny", "Created": "2018-12-24T12:34:45"}"#, headers: newYork)
            let wallID = try #require(try wall.json.intValue)
            let zulu = try await client.send(
                .POST, "/api/v1/BatchTask", body: #"{"Name": "z", "Created": "2018-12-24T17:34:45Z"}"#, headers: newYork)
            let zuluID = try #require(try zulu.json.intValue)
            // No header: the base zone, Oslo (+01:00 in December).
            let oslo = try await client.create(["Name": "oslo", "Created": "2018-12-24T18:34:45"])
            let compact = try await client.send(
                .POST, "/api/v1/BatchTask", body: #"{"Name": "c", "Created": "2018-12-24T07:34:45.25-0500"}"#, headers: newYork)
            let compactID = try #require(try compact.json.intValue)

            let exact = [("SO-TimeZone", "UTC, includeTZOffset")]
            for id in [wallID, zuluID, Int64(oslo)] {
                let task = try await client.get("/api/v1/BatchTask/\(id)", headers: exact).task
                #expect(task.created == "2018-12-24T17:34:45Z", "task \(id)")
            }
            #expect(try await client.get("/api/v1/BatchTask/\(compactID)", headers: exact).task.created == "2018-12-24T12:34:45.2500000Z")

            // A $filter literal without an offset is read in the request's zone too.
            let filter = "/api/v1/BatchTask?$filter=" + FormEncoding.escape("created eq '2018-12-24T12:34:45'")
            let inNewYork = try await client.get(filter, headers: newYork)
            #expect(try inNewYork.json["value"]?.arrayValue?.compactMap { $0["PrimaryKey"]?.stringValue } == ["1", "2", "3"])
            let inOslo = try await client.get(filter)
            #expect(try inOslo.json["value"]?.arrayValue?.count == 0)

            let bad = try await client.send(
                .POST, "/api/v1/BatchTask", body: #"{"Name": "bad", "Created": "2018-12-24 12:34"}"#, headers: newYork)
            #expect(bad.status == 400)
        }
    }

    @Test func anUnknownZoneIs400WithTheErrorBody() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "n"])
            for header in ["NOOSL", "Mars/Olympus", "NO, includeTZ", "+15:00", "US-NY, includeTZOffset, again"] {
                let reply = try await client.get("/api/v1/BatchTask/\(id)", headers: [("SO-TimeZone", header)])
                #expect(reply.status == 400, "\(header)")
                #expect(try reply.json["Error"] == true)
                #expect(try reply.json["ErrorType"] == "SoBadRequestException")
                #expect(try reply.json["ErrorMessage"]?.stringValue?.contains("US-NY (460)") == true, "\(header)")
            }
            let post = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x"}"#, headers: [("SO-TimeZone", "NOOSL")])
            #expect(post.status == 400)
            #expect(try await client.get("/api/v1/BatchTask/All").json.arrayValue?.count == 1)
        }
    }

    // MARK: PUT, PATCH, archive rows

    @Test func aPutOrUpdateBatchTaskWithoutStateSetsUnknown() async throws {
        try await withServer(try Self.configuration(jobSeconds: 3600)) { client async throws in
            let id = try await client.create(["Name": "n", "Description": "d", "Response": "r", "Request": "q"])
            let reply = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"Description": "only this"}"#)
            let task = try reply.task
            #expect(task.state == .unknown)
            #expect(task.description == "only this")
            #expect(task.response == nil)
            #expect(task.request == nil)
            #expect(try await client.task(id).state == .unknown)

            let other = try await client.create(["Name": "m", "Description": "d"])
            let agents = try await client.send(
                .POST, "/api/v1/Agents/Batch/UpdateBatchTask", body: #"{"BatchTaskInfo": {"Id": \#(other), "Response": "r"}}"#)
            #expect(try agents.task.state == .unknown)
            #expect(try agents.task.description == nil)
            #expect(try agents.task.response == "r")
        }
    }

    @Test func patchIs405WithAllowAndChangesNothing() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "n", "Description": "d"])
            let one = try await client.send(.PATCH, "/api/v1/BatchTask/\(id)", body: #"{"Description": "via PATCH"}"#)
            #expect(one.status == 405)
            #expect(one.header("Allow") == "GET, HEAD, PUT, DELETE")
            #expect(try one.json["ErrorType"] == "SoMethodNotAllowedException")
            let merge = try await client.send(
                .PATCH, "/api/v1/BatchTask/\(id)", body: #"{"Description": "via PATCH"}"#, contentType: "application/merge-patch+json")
            #expect(merge.status == 405)
            let collection = try await client.send(.PATCH, "/api/v1/BatchTask", body: #"{"Description": "x"}"#)
            #expect(collection.status == 405)
            #expect(collection.header("Allow") == "GET, HEAD, POST")
            #expect(try await client.task(id).description == "d")
        }
    }

    @Test func slimArchiveRowsHaveAStringPrimaryKeyAndDatesWithoutAnOffset() async throws {
        let time = ManualClock("2026-01-15T10:00:00Z")
        try await withServer(try Self.configuration(base: "NO"), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "row"])
            time.advance(seconds: 1)
            for header in [[], [("SO-TimeZone", "NO, includeTZOffset")]] {
                let reply = try await client.get("/api/v1/BatchTask?$select=id,created,lastStarted", headers: header)
                let row = try #require(try reply.json["value"]?[0])
                #expect(row["PrimaryKey"] == .string(String(id)))
                #expect(row["id"] == .int(Int64(id)))
                #expect(row["created"] == "2026-01-15T10:00:00")
                #expect(row["lastStarted"] == "2026-01-15T11:00:01")
            }
            let xml = try await client.get("/api/v1/BatchTask?$select=lastStarted", accept: "application/xml")
            #expect(xml.text.contains("2026-01-15T11:00:01<"))
        }
    }

    // MARK: Jobs by Name

    @Test func onlyJobsWhoseNameMatchesRunAndTheOthersStayNew() async throws {
        let time = ManualClock()
        var configuration = try Self.configuration(jobSeconds: 10)
        configuration.jobs.names = ["import-*", "clean?p"]
        try await withServer(configuration, clock: time.clock) { client async throws in
            let matching = try await client.create(["Name": "import-orders"])
            let question = try await client.create(["Name": "cleanup"])
            let other = try await client.create(["Name": "export-orders"])
            let wrongCase = try await client.create(["Name": "Import-orders"])
            let nameless = try await client.create(["Description": "no name"])
            time.advance(seconds: 86_400)
            #expect(try await client.task(matching).state == .succeeded)
            #expect(try await client.task(question).state == .succeeded)
            for id in [other, wrongCase, nameless] {
                let task = try await client.task(id)
                #expect(task.state == .new, "task \(id)")
                #expect(task.startCount == 0)
                #expect(task.lastStarted == nil)
            }
            // The state lists agree with each read.
            let new = try await client.get("/api/v1/BatchTask/New").json.arrayValue?.compactMap { $0["Id"]?.intValue }
            #expect(new == [Int64(other), Int64(wrongCase), Int64(nameless)])
            // Set back to New, a job the server does not know still does not run.
            _ = try await client.send(.PUT, "/api/v1/BatchTask/\(other)", body: #"{"State": "New"}"#)
            time.advance(seconds: 86_400)
            #expect(try await client.task(other).state == .new)
        }
    }

    @Test func jobNameGlobs() {
        func runs(_ globs: [String], _ name: String?) -> Bool { JobConfiguration(names: globs).runs(name: name) }
        #expect(runs(["*"], "anything"))
        #expect(runs(["*"], nil))
        #expect(runs(["a*b*c"], "aXbYc"))
        #expect(!runs(["a*b*c"], "aXbY"))
        #expect(runs(["?"], "é"))
        #expect(!runs(["?"], ""))
        #expect(!runs(["Import"], "import"))
        #expect(runs(["x", "y*"], "yes"))
        #expect(!runs([String(repeating: "*a", count: 50) + "b"], String(repeating: "a", count: 200)))
        #expect(!testConfiguration(jobs: JobConfiguration(names: [])).problems.isEmpty)
        #expect(!testConfiguration(jobs: JobConfiguration(names: ["a", ""])).problems.isEmpty)
    }

    // MARK: Long filters

    @Test func aLongFilterIsAnsweredOrRefusedWithItsLimitNever500() async throws {
        try await withServer { client async throws in
            for n in 1...3 { _ = try await client.create(["Name": .string("task \(n)")]) }
            func filter(_ text: String) async throws -> Reply {
                try await client.get("/api/v1/BatchTask?$filter=" + FormEncoding.escape(text))
            }
            let hundred = (1...100).map { "id eq \($0)" }.joined(separator: " or ")
            let ok = try await filter(hundred)
            #expect(ok.status == 200)
            #expect(try ok.json["value"]?.arrayValue?.count == 3)

            let long = try await filter((1...150).map { "id eq \($0)" }.joined(separator: " or "))
            #expect(long.status == 200 || long.status == 400)
            if long.status == 400 { #expect(try long.json["ErrorMessage"]?.stringValue?.contains("at most \(FilterParser.termLimit)") == true) }

            let huge = try await filter((1...1000).map { "id eq \($0)" }.joined(separator: " or "))
            #expect(huge.status == 400)
            #expect(try huge.json["ErrorMessage"]?.stringValue?.contains("at most \(FilterParser.termLimit) comparisons") == true)

            let nested = try await filter(String(repeating: "(", count: 1000) + "id eq 1" + String(repeating: ")", count: 1000))
            #expect(nested.status == 400)
            let nots = try await filter(String(repeating: "not ", count: 1000) + "id eq 1")
            #expect(nots.status == 400)
            // Within the limits, nesting still means what it says.
            let grouped = try await filter("(id eq 1 or (id eq 2 or id eq 3)) and not (name eq 'task 2')")
            #expect(try grouped.json["value"]?.arrayValue?.compactMap { $0["PrimaryKey"]?.stringValue } == ["1", "3"])
        }
    }
}
