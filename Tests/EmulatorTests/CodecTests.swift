import BatchTask
import Foundation
import JSON
import Schedule
import Testing

@testable import Emulator

@Suite struct CodecTests {
    static let xmlTask = """
        <?xml version="1.0" encoding="utf-8"?>
        <BatchTaskInfo xmlns="http://www.superoffice.net/ws/crm/NetServer/Services88" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
          <Id>77</Id><Name>from &lt;xml&gt; &amp; more</Name><AssociateId>12</AssociateId><IsSystemTask>true</IsSystemTask>
          <ParameterObject>
            <StringKeyValuePair><Key>file</Key><Value>a.csv</Value></StringKeyValuePair>
            <StringKeyValuePair><Key>none</Key><Value i:nil="true"/></StringKeyValuePair>
          </ParameterObject>
          <Description i:nil="true"/><TableRight i:nil="true"/><CancellationBehaviour>CanCancel</CancellationBehaviour>
        </BatchTaskInfo>
        """

    @Test func xmlBodiesAreReadAndXMLAnswersWritten() async throws {
        try await withServer { client async throws in
            let created = try await client.send(
                .POST, "/api/v1/BatchTask", body: Self.xmlTask, contentType: "application/xml; charset=utf-8", accept: "application/xml")
            #expect(created.status == 200)
            #expect(created.text.hasSuffix(#"<int xmlns="http://schemas.microsoft.com/2003/10/Serialization/">1</int>"#))
            #expect(created.header("Content-Type") == "application/xml; charset=utf-8")
            let task = try await client.task(1)
            #expect(task.name == "from <xml> & more")
            #expect(task.associateId == 12)
            #expect(task.isSystemTask == true)
            #expect(task.parameterObject == ["file": "a.csv", "none": .null])
            #expect(task.description == nil)
            #expect(task.cancellationBehaviour == "CanCancel")

            let xml = try await client.get("/api/v1/BatchTask/1", accept: "text/xml")
            #expect(xml.header("Content-Type") == "text/xml; charset=utf-8")
            #expect(xml.text.contains(#"<BatchTaskInfo xmlns="http://www.superoffice.net/ws/crm/NetServer/Services88""#))
            #expect(xml.text.contains("<Id>1</Id><Name>from &lt;xml&gt; &amp; more</Name><AssociateId>12</AssociateId>"))
            #expect(xml.text.contains("<StringKeyValuePair><Key>none</Key><Value i:nil=\"true\"/></StringKeyValuePair>"))
            // What the server writes, it reads back.
            let again = try await client.send(.POST, "/api/v1/BatchTask", bytes: xml.body, contentType: "text/xml")
            #expect(again.status == 200)
            let copy = try await client.task(2)
            #expect(copy.name == task.name && copy.parameterObject == task.parameterObject && copy.associateId == 12)

            // api.md v2: both are system tasks, which the REST list by state leaves out; the Agents call has them.
            let userTasks = try await client.get("/api/v1/BatchTask/All", accept: "application/xml")
            #expect(userTasks.text.contains("<ArrayOfBatchTaskInfo"))
            #expect(!userTasks.text.contains("<BatchTaskInfo>"))
            let list = try await client.send(
                .POST, "/api/v1/Agents/Batch/GetAllBatchTaskInfosByName", body: "<request><TaskName>from &lt;xml&gt; &amp; more</TaskName></request>",
                contentType: "application/xml", accept: "application/xml")
            #expect(list.text.contains("<ArrayOfBatchTaskInfo"))
            #expect(list.text.components(separatedBy: "<BatchTaskInfo>").count == 3)
            let stopped = try await client.send(.POST, "/api/v1/BatchTask/1/Stop", accept: "application/xml")
            #expect(stopped.text.hasSuffix(#"<boolean xmlns="http://schemas.microsoft.com/2003/10/Serialization/">false</boolean>"#))
            let put = try await client.send(
                .PUT, "/api/v1/BatchTask/1", body: "<BatchTaskInfo><State>Failed</State><Description>x</Description></BatchTaskInfo>",
                contentType: "application/xml", accept: "application/xml")
            #expect(put.status == 200)
            #expect(put.text.contains("<State>Failed</State><Description>x</Description>"))
        }
    }

    @Test func badXMLIsABadRequest() async throws {
        try await withServer { client async throws in
            let broken = try await client.send(.POST, "/api/v1/BatchTask", body: "<BatchTaskInfo><Name>x</Nam>", contentType: "application/xml")
            #expect(broken.status == 400)
            #expect(try broken.json["ErrorMessage"]?.stringValue?.contains("not valid XML") == true)
            let wrongRoot = try await client.send(.POST, "/api/v1/BatchTask", body: "<Task/>", contentType: "text/xml")
            #expect(wrongRoot.status == 400)
            let badNumber = try await client.send(
                .POST, "/api/v1/BatchTask", body: "<BatchTaskInfo><AssociateId>many</AssociateId></BatchTaskInfo>", contentType: "text/xml")
            #expect(badNumber.status == 400)
            #expect(try badNumber.json["ErrorMessage"]?.stringValue?.contains("AssociateId") == true)
        }
    }

    /// Found by the fuzz target: Foundation's XML parser crashed on a NUL and on an invalid UTF-8 element name.
    @Test func bytesXMLForbidsAreRefusedBeforeTheParserSeesThem() {
        let nul: [UInt8] = [0x00, 0x62, 0x74, 0x73]
        let badName = Array("<AgentArguments><Parameters><string>a</string><st".utf8) + [UInt8](repeating: 0xD5, count: 25)
            + Array("ring> b</string></Parameters></AgentArguments>".utf8)
        for body in [nul, badName, Array("<a>\u{1}</a>".utf8)] {
            #expect(throws: APIError.self) { try XMLNode.parse(body) }
        }
        #expect(XMLNode.firstCharacterXMLForbids(badName) == 49, "the first 0xD5, after the 49 bytes before it")
        #expect(XMLNode.firstCharacterXMLForbids(Array("<a>tab\there, é ✓</a>".utf8)) == nil)
        #expect((try? XMLNode.parse(Array("<a>é ✓</a>".utf8)))?.text == "é ✓")
    }

    @Test func textJSONIsAnsweredAsTextJSON() async throws {
        try await withServer { client async throws in
            let reply = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "t"}"#, contentType: "text/json", accept: "text/json")
            #expect(reply.header("Content-Type") == "text/json; charset=utf-8")
            #expect(reply.text == "1")
            let preferXML = try await client.get("/api/v1/BatchTask/1", accept: "application/json;q=0.5, application/xml")
            #expect(preferXML.text.contains("<BatchTaskInfo"))
            let unknown = try await client.get("/api/v1/BatchTask/1", accept: "image/png")
            #expect(unknown.header("Content-Type") == "application/json; charset=utf-8")
        }
    }

    @Test func formBodiesAreTypedByProperty() async throws {
        try await withServer { client async throws in
            let reply = try await client.send(
                .POST, "/api/v1/BatchTask",
                body: "name=Form+task%21&AssociateId=42&IsInternalTask=true&ParameterObject%5Bfile%5D=b.csv&Other=1",
                contentType: "application/x-www-form-urlencoded")
            #expect(reply.status == 200)
            let task = try await client.task(1)
            #expect(task.name == "Form task!")
            #expect(task.associateId == 42)
            #expect(task.isInternalTask == true)
            #expect(task.parameterObject == ["file": "b.csv"])
            let bad = try await client.send(.POST, "/api/v1/BatchTask", body: "AssociateId=x", contentType: "application/x-www-form-urlencoded")
            #expect(bad.status == 400)
            let badEscape = try await client.send(.POST, "/api/v1/BatchTask", body: "Name=%G1", contentType: "application/x-www-form-urlencoded")
            #expect(badEscape.status == 400)
        }
    }

    @Test func badBodiesGetTheRightStatusAndTheErrorBody() async throws {
        try await withServer { client async throws in
            let badJSON = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x",}"#)
            #expect(badJSON.status == 400)
            #expect(try badJSON.json["ErrorMessage"]?.stringValue?.contains("line 1, column") == true)
            let wrongType = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"AssociateId": "five"}"#)
            #expect(wrongType.status == 400)
            #expect(try wrongType.json["ErrorMessage"]?.stringValue?.contains("AssociateId") == true)
            #expect(try await client.send(.POST, "/api/v1/BatchTask", body: "[1]").status == 400)
            #expect(try await client.send(.POST, "/api/v1/BatchTask", body: "  ").status == 400)

            let unsupported = try await client.send(.POST, "/api/v1/BatchTask", body: "Name: x", contentType: "text/plain")
            #expect(unsupported.status == 415)
            #expect(try unsupported.json["ErrorType"] == "SoUnsupportedMediaTypeException")

            let huge = "{\"Name\": \"" + String(repeating: "x", count: 1 << 20) + "\"}"
            let tooLarge = try await client.send(.POST, "/api/v1/BatchTask", body: huge)
            #expect(tooLarge.status == 413)
            #expect(try tooLarge.json["ErrorType"] == "SoRequestTooLargeException")
            // None of them made a task.
            #expect(try await client.get("/api/v1/BatchTask/All").json == [])
        }
    }

    @Test func soTimeZoneConvertsReturnedDates() async throws {
        let time = ManualClock("2018-06-01T12:34:01.7132229Z")
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 10)), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "dated", "Created": "2018-06-01T14:34:02.7132229+02:00"])
            time.advance(seconds: 1)  // LastStarted: 12:34:02.7132229Z
            // No header: the base zone (UTC here), wall time without an offset.
            let base = try await client.task(id)
            #expect(base.created == "2018-06-01T12:34:02.7132229")
            #expect(base.lastStarted == "2018-06-01T12:34:02.7132229")
            let minus = try await client.get("/api/v1/BatchTask/\(id)", headers: [("SO-TimeZone", "-05:30, includeTZOffset")]).task
            #expect(minus.lastStarted == "2018-06-01T07:04:02.7132229-0530")
            #expect(minus.created == "2018-06-01T12:34:02.7132229Z")
            let oslo = try await client.get("/api/v1/BatchTask/\(id)", headers: [("SO-TimeZone", "Europe/Oslo")]).task
            #expect(oslo.lastStarted == "2018-06-01T14:34:02.7132229")
            #expect(oslo.created == "2018-06-01T12:34:02.7132229")
            let list = try await client.get("/api/v1/BatchTask?$select=lastStarted", headers: [("SO-TimeZone", "+01:00")])
            #expect(try list.json["value"]?[0]?["lastStarted"] == "2018-06-01T13:34:02.7132229")
            let bad = try await client.get("/api/v1/BatchTask/\(id)", headers: [("SO-TimeZone", "NOOSL")])
            #expect(bad.status == 400)
        }
    }

    @Test func timeZoneForms() throws {
        let base = try #require(SuperOfficeTimeZone("NO"))
        let none = try RequestTimeZone.of(header: nil, base: base)
        #expect(none == RequestTimeZone(zone: base, includesOffset: false, base: base))
        #expect(try RequestTimeZone.of(header: "  ", base: base) == none)
        #expect(try RequestTimeZone.of(header: "261", base: .utc).zone == base)
        #expect(try RequestTimeZone.of(header: "utc, includeTZOffset", base: base).includesOffset)
        for good in ["Z", "+02:00", "+0530", "-3", "GMT+01:00", "America/New_York", "US-HI", "36"] {
            #expect(throws: Never.self, "\(good)") { try RequestTimeZone.of(header: good, base: base) }
        }
        for bad in ["+15:00", "+2:0", "Mars/Olympus", "+02:60", "++1", "NOOSL", "NO, includeTZOffset, x"] {
            #expect(throws: APIError.self, "\(bad)") { try RequestTimeZone.of(header: bad, base: base) }
        }
        let oslo = RequestTimeZone(zone: base, includesOffset: true, base: .utc)
        #expect(oslo.written("2018-01-10T12:00:00Z") == "2018-01-10T13:00:00+0100")
        #expect(oslo.written("2018-07-10T12:00:00.0000000+00:00") == "2018-07-10T14:00:00+0200")
        #expect(oslo.writtenCreated("2018-07-10T12:00:00.0000000+00:00") == "2018-07-10T12:00:00Z")
        // A stored date without an offset (an older emulator kept what it was sent) is base-zone wall time.
        #expect(oslo.written("2018-07-10T12:00:00") == "2018-07-10T14:00:00+0200")
        // A request's date without an offset is wall time in the request's zone, across the summer-time change too.
        #expect(oslo.instant("2018-07-10T14:00:00")?.ticksSince1970 == DotNetDate("2018-07-10T12:00:00Z")?.ticksSince1970)
        #expect(oslo.instant("2018-01-10T14:00:00")?.ticksSince1970 == DotNetDate("2018-01-10T13:00:00Z")?.ticksSince1970)
    }

    @Test func xmlEscapesWhatXMLCannotCarry() {
        var task = BatchTaskInfo()
        task.name = "a\u{1}b\rc"
        let text = String(decoding: BatchTaskXML.document(task), as: UTF8.self)
        #expect(text.contains("<Name>a\u{FFFD}b&#xD;c</Name>"))
    }

    @Test func listenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:8405") == ListenAddress(host: "127.0.0.1", port: 8405))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "0.0.0.0:80")?.isLoopback == false)
        #expect(ListenAddress(parsing: "localhost:1")?.isLoopback == true)
        for bad in ["8405", "host:", ":80", "h:65536", "::1:80", "[::1]80"] {
            #expect(ListenAddress(parsing: bad) == nil, "\(bad)")
        }
    }
}
