import BatchTask
import Foundation
import JSON
import NIOHTTP1
import SystemUserLogin
import Testing

@testable import Emulator

/// What a real ASP.NET Web API server does that a client may rely on without thinking about it.
@Suite struct ConformanceTests {
    static let contractProperties = BatchTaskField.allCases.map(\.rawValue) + ["TableRight", "FieldProperties"]

    @Test func everyAnswerCarriesEveryProperty() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "bare"])
            let one = try #require(try await client.get("/api/v1/BatchTask/\(id)").json.objectValue)
            #expect(one.keys.elements == Self.contractProperties)
            #expect(one.count == 24)
            // The type's default for value types, null for the rest.
            #expect(one["IsSystemTask"] == false)
            #expect(one["IsInternalTask"] == false)
            #expect(one["AssociateId"] == 0)
            #expect(one["DetailsTable"] == 0)
            #expect(one["CancellationBehaviour"] == "CanCancel")
            #expect(one["Description"] == .null)
            #expect(one["ParameterObject"] == .null)
            #expect(one["TableRight"] == .null)
            #expect(one["FieldProperties"] == .object([:]))
            for reply in [
                try await client.get("/api/v1/BatchTask/All"),
                try await client.send(.POST, "/api/v1/Agents/Batch/GetAllBatchTaskInfosByName", body: #"{"TaskName": "bare"}"#),
            ] {
                #expect(try reply.json[0]?.objectValue?.keys.elements == Self.contractProperties)
            }
            let put = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"Description": "x"}"#)
            #expect(try put.json.objectValue?.keys.elements == Self.contractProperties)
            let xml = try await client.get("/api/v1/BatchTask/\(id)", accept: "application/xml")
            #expect(xml.text.contains(#"<Response i:nil="true"/>"#))
            #expect(xml.text.contains("<IsSystemTask>false</IsSystemTask>"))
        }
    }

    @Test func routesIgnoreCaseAndAreDecoded() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["Name": "routed", "CancellationBehaviour": "CanCancel"])
            #expect(try await client.get("/api/v1/batchtask/\(id)").task.name == "routed")
            #expect(try await client.get("/API/V1/BATCHTASK/\(id)").status == 200)
            #expect(try await client.get("/api/v1/BatchTask/%3\(id)").task.id == id)
            #expect(try await client.get("/api/v1/Batch%54ask/\(id)").status == 200)
            #expect(try await client.get("/api/v1/batchtask/new").json.arrayValue?.count == 1)
            #expect(try await client.send(.POST, "/api/v1/batchtask/\(id)/stop").text == "true")
            #expect(try await client.send(.POST, "/api/v1/agents/batch/getbatchtaskinfo", body: #"{"Id": 1}"#).status == 200)
        }
    }

    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "head"])
            let head = try await client.send(.HEAD, "/api/v1/BatchTask/\(id)")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("Content-Type") == "application/json; charset=utf-8")
            #expect(try await client.send(.HEAD, "/api/v1/BatchTask/99").status == 404)
            #expect(try await client.send(.HEAD, "/api/v1/BatchTask").status == 200)
        }
    }

    @Test func aMethodARouteDoesNotHaveIs405WithAllow() async throws {
        try await withServer { client async throws in
            let put = try await client.send(.PUT, "/api/v1/BatchTask", body: "{}")
            #expect(put.status == 405)
            #expect(put.header("Allow") == "GET, HEAD, POST")
            #expect(try put.json["Error"] == true)
            let get = try await client.get("/api/v1/BatchTask/1/Stop")
            #expect(get.status == 405)
            #expect(get.header("Allow") == "POST")
            let agent = try await client.get("/api/v1/Agents/Batch/GetBatchTaskInfo")
            #expect(agent.status == 405)
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/1").status == 404)
        }
    }

    @Test func propertyNamesBindInAnyCaseAndEnumsByNameOrNumber() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["name": "lower", "ASSOCIATEID": 9, "cancellationBehaviour": "cannotcancel"])
            let task = try await client.task(id)
            #expect(task.name == "lower")
            #expect(task.associateId == 9)
            #expect(task.cancellationBehaviour == "CannotCancel")
            #expect(try await client.create(["Name": "n", "CancellationBehaviour": 1]) > id)
            #expect(try await client.task(id + 1).cancellationBehaviour == "CancelWithWarning")
            let byNumber = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"state": 5, "description": "d"}"#)
            #expect(try byNumber.task.state == .failed)
            #expect(try byNumber.task.description == "d")
            let byName = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "succeeded"}"#)
            #expect(try byName.task.state == .succeeded)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": 7}"#).status == 400)
            for bad in [#"{"CancellationBehaviour": "Maybe"}"#, #"{"CancellationBehaviour": 3}"#, #"{"CancellationBehaviour": true}"#] {
                let reply = try await client.send(.POST, "/api/v1/BatchTask", body: bad)
                #expect(reply.status == 400, "\(bad)")
                #expect(try reply.json["ErrorMessage"]?.stringValue?.contains("CancellationBehaviour") == true)
            }
        }
    }

    @Test func parameterObjectIsAStringDictionary() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "p", "ParameterObject": ["s": "text", "n": 42, "d": 1.5, "t": true, "f": false, "z": .null]])
            let stored = try await client.task(id)
            #expect(stored.parameterObject == ["s": "text", "n": "42", "d": "1.5", "t": "True", "f": "False", "z": .null])
            for nested in [#"{"Name": "x", "ParameterObject": {"a": {"b": 1}}}"#, #"{"Name": "x", "ParameterObject": {"a": [1]}}"#, #"{"ParameterObject": [1]}"#] {
                let reply = try await client.send(.POST, "/api/v1/BatchTask", body: nested)
                #expect(reply.status == 400, "\(nested)")
                let error = try reply.json
                #expect(error["Error"] == true)
                #expect(error["ErrorType"] == "SoBadRequestException")
                #expect(error["ErrorMessage"]?.stringValue?.contains("ParameterObject") == true)
                #expect(error["ErrorSource"]?.stringValue?.isEmpty == false)
            }
            let form = try await client.send(
                .POST, "/api/v1/BatchTask", body: "Name=f&ParameterObject=" + FormEncoding.escape(#"{"n": 5, "t": true}"#),
                contentType: "application/x-www-form-urlencoded")
            #expect(try await client.task(Int32(try #require(try form.json.intValue))).parameterObject == ["n": "5", "t": "True"])
            let nestedForm = try await client.send(
                .POST, "/api/v1/BatchTask", body: "Name=f&ParameterObject=" + FormEncoding.escape(#"{"n": {}}"#),
                contentType: "application/x-www-form-urlencoded")
            #expect(nestedForm.status == 400)
            // Through XML and back: still a string dictionary.
            let xml = try await client.get("/api/v1/BatchTask/\(id)", accept: "application/xml")
            #expect(xml.text.contains("<StringKeyValuePair><Key>t</Key><Value>True</Value></StringKeyValuePair>"))
            let copy = try await client.send(.POST, "/api/v1/BatchTask", bytes: xml.body, contentType: "application/xml")
            #expect(try await client.task(Int32(try #require(try copy.json.intValue))).parameterObject == stored.parameterObject)
        }
    }

    @Test func charsetsAreDecodedOrRefusedNeverMisread() async throws {
        try await withServer { client async throws in
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"Name": "bom"}"#.utf8)
            let withBOM = try await client.send(.POST, "/api/v1/BatchTask", bytes: bom)
            #expect(withBOM.status == 200, "\(withBOM.text)")
            let latin1 = try #require(#"{"Name": "Blåbær"}"#.data(using: .isoLatin1))
            let l = try await client.send(.POST, "/api/v1/BatchTask", bytes: Array(latin1), contentType: "application/json; charset=ISO-8859-1")
            #expect(l.status == 200, "\(l.text)")
            let utf16 = try #require(#"{"Name": "Blåbær ☃"}"#.data(using: .utf16LittleEndian))
            let u = try await client.send(.POST, "/api/v1/BatchTask", bytes: Array(utf16), contentType: "application/json; charset=utf-16le")
            #expect(u.status == 200, "\(u.text)")
            let bomUTF16 = try await client.send(
                .POST, "/api/v1/BatchTask", bytes: [0xFF, 0xFE] + Array(utf16), contentType: "application/json; charset=\"UTF-16\"")
            #expect(bomUTF16.status == 200, "\(bomUTF16.text)")
            #expect(try await client.task(1).name == "bom")
            #expect(try await client.task(2).name == "Blåbær")
            #expect(try await client.task(3).name == "Blåbær ☃")
            #expect(try await client.task(4).name == "Blåbær ☃")
            let xmlLatin1 = try #require("<BatchTaskInfo><Name>Smørbrød</Name></BatchTaskInfo>".data(using: .isoLatin1))
            let x = try await client.send(.POST, "/api/v1/BatchTask", bytes: Array(xmlLatin1), contentType: "text/xml; charset=iso-8859-1")
            #expect(x.status == 200, "\(x.text)")
            #expect(try await client.task(5).name == "Smørbrød")
            let unknown = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "k"}"#, contentType: "application/json; charset=koi8-r")
            #expect(unknown.status == 415)
            // Latin-1 bytes declared as UTF-8 are not valid UTF-8: refused, not stored as something else.
            let mislabelled = try await client.send(.POST, "/api/v1/BatchTask", bytes: Array(latin1), contentType: "application/json; charset=utf-8")
            #expect(mislabelled.status == 400)
            #expect(try await client.get("/api/v1/BatchTask/All").json.arrayValue?.count == 5)
        }
    }

    @Test func ifUnmodifiedSinceGuardsPutAndDelete() async throws {
        let time = ManualClock("2026-01-15T10:00:00Z")
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600)), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "guarded"])
            let read = try await client.get("/api/v1/BatchTask/\(id)")
            let stamp = try #require(read.header("Last-Modified"))
            #expect(stamp == "Thu, 15 Jan 2026 10:00:00 GMT")
            time.advance(seconds: 5)
            // Not changed since: allowed, and it is now a change. The State is sent as read, as a client does (a
            // PUT without one sets Unknown, which would end the job).
            let first = try await client.send(
                .PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "New", "Description": "one"}"#, headers: [("If-Unmodified-Since", stamp)])
            #expect(first.status == 200)
            #expect(first.header("Last-Modified") == "Thu, 15 Jan 2026 10:00:05 GMT")
            let stale = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "New", "Description": "two"}"#, headers: [("If-Unmodified-Since", stamp)])
            #expect(stale.status == 412)
            #expect(try stale.json["Error"] == true)
            #expect(try await client.task(id).description == "one")
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/\(id)", headers: [("If-Unmodified-Since", stamp)]).status == 412)
            #expect(try await client.get("/api/v1/BatchTask/\(id)").status == 200)
            // The job starting is a change too.
            time.advance(seconds: 400)
            let started = "Thu, 15 Jan 2026 10:05:00 GMT"
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/\(id)", headers: [("If-Unmodified-Since", started)]).status == 412)
            // An obsolete RFC 850 date is still an HTTP-date; a malformed one is ignored, as RFC 9110 says.
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: "{}", headers: [("If-Unmodified-Since", "Thursday, 15-Jan-26 10:00:00 GMT")]).status == 412)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: "{}", headers: [("If-Unmodified-Since", "soon")]).status == 200)
            let now = "Thu, 15 Jan 2026 10:06:45 GMT"
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/\(id)", headers: [("If-Unmodified-Since", now)]).status == 204)
        }
    }

    @Test func aFormBodyThatIsNotAFormIs400() async throws {
        try await withServer { client async throws in
            for body in [#"{"Name": "json"}"#, "hello world", "<BatchTaskInfo/>", "Nothing=known", "=x"] {
                let reply = try await client.send(.POST, "/api/v1/BatchTask", body: body, contentType: "application/x-www-form-urlencoded")
                #expect(reply.status == 400, "\(body): \(reply.text)")
            }
            #expect(try await client.get("/api/v1/BatchTask/All").json == [])
        }
    }

    @Test func xmlWithADoctypeIsRefusedAndCDATAIsText() async throws {
        try await withServer { client async throws in
            let bomb = """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
                <BatchTaskInfo><Name>&lol2;</Name></BatchTaskInfo>
                """
            let refused = try await client.send(.POST, "/api/v1/BatchTask", body: bomb, contentType: "application/xml")
            #expect(refused.status == 400)
            #expect(try refused.json["ErrorMessage"]?.stringValue?.contains("DOCTYPE") == true)
            let external = #"<!doctype BatchTaskInfo SYSTEM "file:///etc/passwd"><BatchTaskInfo><Name>x</Name></BatchTaskInfo>"#
            #expect(try await client.send(.POST, "/api/v1/BatchTask", body: external, contentType: "text/xml").status == 400)
            let undefined = "<BatchTaskInfo><Name>&undefined;</Name></BatchTaskInfo>"
            #expect(try await client.send(.POST, "/api/v1/BatchTask", body: undefined, contentType: "text/xml").status == 400)
            let cdata = "<BatchTaskInfo><Name><![CDATA[a <b> & c]]></Name><Description>x<![CDATA[&y]]></Description></BatchTaskInfo>"
            let created = try await client.send(.POST, "/api/v1/BatchTask", body: cdata, contentType: "application/xml")
            #expect(created.status == 200, "\(created.text)")
            let task = try await client.task(1)
            #expect(task.name == "a <b> & c")
            #expect(task.description == "x&y")
        }
    }

    @Test func anUnusableAcceptIsAnsweredInJSON() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "accept"])
            for accept in ["aplication/json", "image/png", ";;;", "application/", "*/*;q=oops"] {
                let reply = try await client.get("/api/v1/BatchTask/\(id)", accept: accept)
                #expect(reply.status == 200, "\(accept)")
                #expect(reply.header("Content-Type") == "application/json; charset=utf-8", "\(accept)")
                #expect(try reply.task.name == "accept")
            }
        }
    }
}
