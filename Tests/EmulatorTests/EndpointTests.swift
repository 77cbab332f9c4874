import BatchTask
import JSON
import Testing

@testable import Emulator

@Suite struct EndpointTests {
    @Test func postAnswersABareIntegerAndGetReturnsTheTask() async throws {
        try await withServer { client async throws in
            let reply = try await client.send(
                .POST, "/api/v1/BatchTask",
                body: #"{"Id": 999, "Name": "import", "AssociateId": 5, "ParameterObject": {"file": "a.csv", "n": 2}, "Unknown": 1}"#)
            #expect(reply.status == 200)
            #expect(reply.text == "1")
            #expect(reply.header("Content-Type") == "application/json; charset=utf-8")
            let task = try await client.task(1)
            #expect(task.id == 1)
            #expect(task.name == "import")
            #expect(task.associateId == 5)
            #expect(task.parameterObject == ["file": "a.csv", "n": "2"])
            // Set by the server, written in UTC without an offset (api.md v3, "Dates and time zones").
            #expect(task.created.map(DotNetDate.isWellFormed) == true)
            #expect(task.created.flatMap(DotNetDate.init) == nil)
            // The ParameterObject's blob is linked (api.md v3, "What the server changes").
            #expect(task.detailsTable == 38)
            #expect(task.detailsRecord == 1)
            #expect(try await client.create(["Name": "second"]) == 2)
        }
    }

    @Test func postIgnoresServerManagedPropertiesAndKeepsAGivenCreated() async throws {
        // No job runs for this Name, so the task stays as the POST left it however late the test reads it.
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 60, names: ["no job runs this"]))) { client async throws in
            let id = try await client.create([
                "Name": "n", "State": "Succeeded", "StartCount": 9, "Result": "done", "ProgressPercent": 762,
                "LastStarted": "2018-06-01T14:34:02.7132229+02:00", "Created": "2018-06-01T14:30:00.1234567+02:00",
            ])
            let task = try await client.task(id)
            #expect(task.state == .new)
            #expect(task.startCount == 0)
            #expect(task.result == nil)
            #expect(task.progressPercent == 0)
            #expect(task.lastStarted == nil)
            // Kept as the instant it names; Created is always written in UTC.
            #expect(task.created == "2018-06-01T12:30:00.1234567")
        }
    }

    @Test func unknownIdsAreNotFoundAndBadSegmentsAreBadRequests() async throws {
        try await withServer { client async throws in
            let missing = try await client.get("/api/v1/BatchTask/99999")
            #expect(missing.status == 404)
            #expect(try missing.json["ErrorType"] == "SoNotFoundException")
            #expect(try missing.json["ErrorMessage"] == "BatchTask id 99999 not found")
            #expect(try missing.json["Error"] == true)
            #expect(try missing.json["ErrorSource"]?.stringValue?.contains("GET /api/v1/BatchTask/99999") == true)
            #expect(try await client.get("/api/v1/BatchTask/3000000000").status == 400)
            let bogus = try await client.get("/api/v1/BatchTask/Bogus")
            #expect(bogus.status == 400)
            #expect(try bogus.json["ErrorMessage"]?.stringValue?.contains("Aquired") == true)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/99999", body: #"{"State": "New"}"#).status == 404)
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/99999").status == 404)
            #expect(try await client.send(.POST, "/api/v1/BatchTask/99999/Stop").status == 404)
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/abc").status == 400)
            let nowhere = try await client.get("/api/v1/Nowhere")
            #expect(nowhere.status == 404)
            #expect(try nowhere.json["Error"] == true)
        }
    }

    @Test func getByStateListsThatStateAndAllListsEverything() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let a = try await client.create(["Name": "a"])
            let b = try await client.create(["Name": "b"])
            let c = try await client.create(["Name": "c"])
            _ = try await client.send(.PUT, "/api/v1/BatchTask/\(b)", body: #"{"State": "Failed"}"#)
            let new = try await client.get("/api/v1/BatchTask/New")
            #expect(new.status == 200)
            #expect(try new.json.arrayValue?.compactMap { $0["Id"]?.intValue } == [Int64(a), Int64(c)])
            let failed = try await client.get("/api/v1/BatchTask/failed")
            #expect(try failed.json.arrayValue?.compactMap { $0["Id"]?.intValue } == [Int64(b)])
            let all = try await client.get("/api/v1/BatchTask/All")
            #expect(try all.json.arrayValue?.count == 3)
            #expect(try await client.get("/api/v1/BatchTask/Aquired").json == [])
        }
    }

    @Test func putChangesOnlyTheFourUpdatableProperties() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["Name": "keep", "Description": "old", "Response": "r", "Request": "q", "AssociateId": 5])
            let reply = try await client.send(
                .PUT, "/api/v1/BatchTask/\(id)",
                body: #"{"Name": "ignored", "AssociateId": 7, "State": "SucceededManualCleanup", "Description": "new", "Response": null}"#)
            #expect(reply.status == 200)
            let task = try reply.task
            #expect(task.name == "keep")
            #expect(task.associateId == 5)
            #expect(task.state == .succeededManualCleanup)
            #expect(task.description == "new")
            // A full PUT replaces the four: absent or null clears.
            #expect(task.response == nil)
            #expect(task.request == nil)
            #expect(try await client.task(id) == task)
        }
    }

    @Test func putWithoutStateSetsUnknownAndBadStatesAreRefused() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["Name": "n"])
            let reply = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"Description": "d"}"#)
            // api.md v3, PUT row: the body binds to a whole BatchTaskInfo, so a missing State is Unknown.
            #expect(try reply.task.state == .unknown)
            #expect(try await client.task(id).state == .unknown)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "Sleeping"}"#).status == 400)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "All"}"#).status == 400)
            #expect(try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"Description": 5}"#).status == 400)
        }
    }

    @Test func mergePatchLeavesAbsentPropertiesAndClearsNulls() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["Name": "n", "Description": "d", "Response": "r", "Request": "q"])
            let reply = try await client.send(
                .PUT, "/api/v1/BatchTask/\(id)", body: #"{"Response": null, "Request": "q2"}"#,
                contentType: "application/merge-patch+json")
            #expect(reply.status == 200)
            let task = try reply.task
            #expect(task.description == "d")
            #expect(task.response == nil)
            #expect(task.request == "q2")
            #expect(task.state == .new)
            // The same body as a plain PUT binds a whole BatchTaskInfo: what it leaves out takes its default.
            let whole = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"Request": "q3"}"#)
            #expect(try whole.task.description == nil)
            #expect(try whole.task.request == "q3")
            #expect(try whole.task.state == .unknown)
        }
    }

    @Test func jsonPatchAppliesOperationsAndFailsOnATest() async throws {
        try await withServer(testConfiguration(jobs: JobConfiguration(durationSeconds: 3600))) { client async throws in
            let id = try await client.create(["Name": "n", "Description": "d"])
            let ok = try await client.send(
                .PUT, "/api/v1/BatchTask/\(id)",
                body: #"[{"op": "test", "path": "/Description", "value": "d"}, {"op": "replace", "path": "/Description", "value": "e"}, {"op": "replace", "path": "/Name", "value": "ignored"}]"#,
                contentType: "application/json-patch+json")
            #expect(ok.status == 200)
            #expect(try ok.task.description == "e")
            #expect(try ok.task.name == "n")
            let conflict = try await client.send(
                .PUT, "/api/v1/BatchTask/\(id)",
                body: #"[{"op": "replace", "path": "/Description", "value": "f"}, {"op": "test", "path": "/Description", "value": "d"}]"#,
                contentType: "application/json-patch+json")
            #expect(conflict.status == 409)
            // The failed patch changed nothing.
            #expect(try await client.task(id).description == "e")
        }
    }

    @Test func deleteAnswers204ThenTheTaskIsGone() async throws {
        try await withServer { client async throws in
            let id = try await client.create(["Name": "n"])
            let reply = try await client.send(.DELETE, "/api/v1/BatchTask/\(id)")
            #expect(reply.status == 204)
            #expect(reply.body.isEmpty)
            #expect(try await client.get("/api/v1/BatchTask/\(id)").status == 404)
            #expect(try await client.send(.DELETE, "/api/v1/BatchTask/\(id)").status == 404)
        }
    }

    @Test func concurrentCreatesGetDistinctIds() async throws {
        try await withServer(testConfiguration(databasePath: ":memory:")) { client async throws in
            let ids = try await withThrowingTaskGroup(of: Int32.self) { group in
                for n in 0..<200 { group.addTask { try await client.create(["Name": .string("task \(n)")]) } }
                var ids: [Int32] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            #expect(Set(ids).count == 200)
            #expect(Set(ids) == Set(1...200))
            #expect(try await client.get("/api/v1/BatchTask/All").json.arrayValue?.count == 200)
        }
    }
}
