import BatchTask
import JSON
import Testing

@testable import Emulator

/// The Batch agent, `POST /api/v1/Agents/Batch/<Method>`, as api.md's table describes it.
@Suite struct AgentsTests {
    func call(_ client: TestClient, _ method: String, _ body: String, query: String = "", contentType: String = "application/json", accept: String? = nil) async throws -> Reply {
        try await client.send(.POST, "/api/v1/Agents/Batch/\(method)\(query)", body: body, contentType: contentType, accept: accept)
    }

    func ids(_ reply: Reply) throws -> [Int64] {
        try #require(reply.status == 200, "\(reply.status): \(reply.text)")
        return try reply.json.arrayValue?.compactMap { $0["Id"]?.intValue } ?? []
    }

    /// Two user tasks named "nightly" (owners 12 and 13), a system one of the same name, and one "other".
    func seed(_ client: TestClient) async throws -> (user12: Int64, user13: Int64, system: Int64, other: Int64) {
        let a = try await client.create(["Name": "nightly", "AssociateId": 12])
        let b = try await client.create(["Name": "nightly", "AssociateId": 13])
        let s = try await client.create(["Name": "nightly", "IsSystemTask": true])
        let o = try await client.create(["Name": "other", "AssociateId": 12])
        return (Int64(a), Int64(b), Int64(s), Int64(o))
    }

    @Test func startGetUpdateStopAndDelete() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let started = try await call(client, "StartBatchJob", #"{"BatchTaskInfo": {"Name": "agent", "AssociateId": 4, "Description": "d"}}"#)
            #expect(started.status == 200)
            #expect(started.text == "1")
            let got = try await call(client, "GetBatchTaskInfo", #"{"Id": 1}"#)
            #expect(got.status == 200)
            #expect(try got.task.name == "agent")
            #expect(try got.task.state == .new)

            let updated = try await call(
                client, "UpdateBatchTask", #"{"BatchTaskInfo": {"Id": 1, "Name": "ignored", "State": "Aquired", "Description": "e"}}"#)
            #expect(updated.status == 200)
            #expect(try updated.task.name == "agent")
            #expect(try updated.task.state == .aquired)
            #expect(try updated.task.description == "e")
            #expect(try await call(client, "UpdateBatchTask", #"{"BatchTaskInfo": {"Name": "no id"}}"#).status == 400)

            let stopped = try await call(client, "StopBatchJob", #"{"Id": 1}"#)
            #expect(stopped.text == "true")
            #expect(try await client.task(1).state == .failed)

            let deleted = try await call(client, "DeleteBatchTask", #"{"BatchTaskId": 1}"#)
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(try await call(client, "GetBatchTaskInfo", #"{"Id": 1}"#).status == 404)
            #expect(try await call(client, "StopBatchJob", #"{"Id": 1}"#).status == 404)
            #expect(try await call(client, "DeleteBatchTask", #"{"BatchTaskId": 1}"#).status == 404)
        }
    }

    @Test func deleteBatchTasksDeletesEveryListedTask() async throws {
        try await withServer { client async throws in
            for n in 1...4 { _ = try await client.create(["Name": .string("t\(n)")]) }
            let reply = try await call(client, "DeleteBatchTasks", #"{"BatchTaskIds": [1, 3, 99]}"#)
            #expect(reply.status == 204)
            #expect(try await client.get("/api/v1/BatchTask/All").json.arrayValue?.compactMap { $0["Id"]?.intValue } == [2, 4])
        }
    }

    @Test func lookupsFilterUserAndSystemTasksAsTheTableSays() async throws {
        try await withServer { client async throws in
            let t = try await seed(client)
            #expect(try ids(try await call(client, "GetBatchTaskInfosByState", #"{"State": "All"}"#)) == [t.user12, t.user13, t.other])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByState", #"{"State": "Succeeded"}"#)) == [t.user12, t.user13, t.other])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByState", #"{"State": "New"}"#)) == [])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByAssociates", #"{"AssociateIds": [12]}"#)) == [t.user12, t.other])
            // A system task's owner is 0.
            #expect(try ids(try await call(client, "GetBatchTaskInfosByAssociates", #"{"AssociateIds": [0, 13]}"#)) == [t.user13, t.system])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByAssociatesAndState", #"{"AssociateIds": [12, 13], "State": 4}"#))
                == [t.user12, t.user13, t.other])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByAssociatesAndState", #"{"AssociateIds": [12], "State": "Failed"}"#)) == [])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByNameAndState", #"{"Name": "nightly", "State": "All"}"#)) == [t.user12, t.user13])
            #expect(try ids(try await call(client, "GetBatchTaskInfosByNameAndAssociates", #"{"Name": "nightly", "AssociateIds": [13]}"#)) == [t.user13])
            #expect(try ids(try await call(client, "GetAllBatchTaskInfosByName", #"{"TaskName": "nightly"}"#)) == [t.user12, t.user13, t.system])
            #expect(try ids(try await call(client, "GetAllBatchTaskInfosByNameAndState", #"{"TaskName": "nightly", "State": "Succeeded"}"#))
                == [t.user12, t.user13, t.system])
            #expect(try ids(try await call(client, "GetSystemBatchTaskInfosByName", #"{"TaskName": "nightly"}"#)) == [t.system])
            #expect(try ids(try await call(client, "GetSystemBatchTaskInfosByNameAndState", #"{"TaskName": "nightly", "State": "Failed"}"#)) == [])
            // Our reading: names match exactly.
            #expect(try ids(try await call(client, "GetAllBatchTaskInfosByName", #"{"TaskName": "Nightly"}"#)) == [])
            #expect(try ids(try await call(client, "GetAllBatchTaskInfosByName", #"{"TaskName": "nightly "}"#)) == [])
        }
    }

    @Test func theRESTListByStateLeavesSystemTasksOut() async throws {
        try await withServer { client async throws in
            let t = try await seed(client)
            let all = try await client.get("/api/v1/BatchTask/All")
            #expect(try all.json.arrayValue?.compactMap { $0["Id"]?.intValue } == [t.user12, t.user13, t.other])
            let succeeded = try await client.get("/api/v1/BatchTask/Succeeded")
            #expect(try succeeded.json.arrayValue?.contains { $0["IsSystemTask"] == true } == false)
            // The task itself is still there by id.
            #expect(try await client.task(Int32(t.system)).isSystemTask == true)
        }
    }

    @Test func selectNullsTheOtherProperties() async throws {
        try await withServer { client async throws in
            _ = try await client.create(["Name": "sel", "AssociateId": 3, "Description": "d"])
            let one = try await call(client, "GetBatchTaskInfo", #"{"Id": 1}"#, query: "?$select=name,Id,department")
            let object = try #require(try one.json.objectValue)
            #expect(object["Name"] == "sel")
            #expect(object["Id"] == 1)
            #expect(object["AssociateId"] == .null)
            #expect(object["Description"] == .null)
            #expect(object.keys.contains("State"))
            let list = try await call(client, "GetAllBatchTaskInfosByName", #"{"TaskName": "sel"}"#, query: "?$select=State")
            #expect(try list.json[0]?["State"] == "Succeeded")
            #expect(try list.json[0]?["Name"] == .null)
        }
    }

    @Test func badBodiesAndUnknownMethods() async throws {
        try await withServer { client async throws in
            for (method, body) in [
                ("GetBatchTaskInfo", "{}"), ("GetBatchTaskInfo", #"{"Id": "five"}"#), ("GetBatchTaskInfo", #"{"Id": 3000000000}"#),
                ("GetBatchTaskInfo", "[1]"), ("GetBatchTaskInfo", "{"), ("GetBatchTaskInfosByState", #"{"State": "Sleeping"}"#),
                ("StartBatchJob", #"{"BatchTaskInfo": "x"}"#), ("StartBatchJob", #"{}"#), ("DeleteBatchTasks", #"{"BatchTaskIds": ["a"]}"#),
                ("GetAllBatchTaskInfosByName", #"{"TaskName": 5}"#),
            ] {
                let reply = try await call(client, method, body)
                #expect(reply.status == 400, "\(method) \(body): \(reply.status) \(reply.text)")
                #expect(try reply.json["Error"] == true)
            }
            let unknown = try await call(client, "GetEverything", "{}")
            #expect(unknown.status == 404)
            #expect(try unknown.json["ErrorType"] == "SoNotFoundException")
            #expect(try await client.get("/api/v1/BatchTask/All").json == [])
        }
    }

    @Test func argumentsBindInAnyCaseAndFromXMLAndForms() async throws {
        try await withServer { client async throws in
            _ = try await client.create(["Name": "x", "AssociateId": 12])
            #expect(try await call(client, "getbatchtaskinfo", #"{"id": 1}"#).status == 200)
            let xml = try await call(
                client, "GetBatchTaskInfosByAssociates", "<request><AssociateIds><int>12</int><int>99</int></AssociateIds></request>",
                contentType: "application/xml")
            #expect(try ids(xml) == [1])
            let started = try await call(
                client, "StartBatchJob",
                "<StartBatchJob><BatchTaskInfo><Name>from xml</Name><ParameterObject><StringKeyValuePair><Key>k</Key><Value>v</Value></StringKeyValuePair></ParameterObject></BatchTaskInfo></StartBatchJob>",
                contentType: "text/xml", accept: "application/xml")
            #expect(started.text.hasSuffix(#"<int xmlns="http://schemas.microsoft.com/2003/10/Serialization/">2</int>"#))
            #expect(try await client.task(2).parameterObject == ["k": "v"])
            let form = try await call(client, "GetBatchTaskInfo", "Id=2", contentType: "application/x-www-form-urlencoded")
            #expect(try form.task.name == "from xml")
            let formList = try await call(
                client, "GetBatchTaskInfosByAssociates", "AssociateIds=12&AssociateIds=7", contentType: "application/x-www-form-urlencoded")
            #expect(try ids(formList) == [1])
            let formStart = try await call(
                client, "StartBatchJob", "BatchTaskInfo.Name=formed&BatchTaskInfo.AssociateId=5", contentType: "application/x-www-form-urlencoded")
            #expect(formStart.text == "3")
            #expect(try await client.task(3).associateId == 5)
        }
    }
}
