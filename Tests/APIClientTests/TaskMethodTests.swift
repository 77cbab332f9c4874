import APIClient
import BatchTask
import Emulator
import JSON
import Schedule
import Testing

@Suite struct TaskMethodTests {
    @Test func createThenGetReturnsWhatWasSent() async throws {
        try await withEmulator { client, _ in
            let sent = sampleTask()
            let id = try await client.create(sent)
            let task = try #require(try await client.get(id))
            #expect(task.id == id)
            #expect(task.name == sent.name)
            // ParameterObject is a string dictionary: the server binds the number 3 as "3".
            #expect(task.parameterObject == ["region": "eu", "batch": "3"])
            #expect(task.databaseSerialNumber == "DB-1")
            #expect(task.cancellationBehaviour == "CanCancel")
            #expect(task.created != nil)
            // Ids are assigned by the server: an Id in the info is not sent.
            var withId = sampleTask("second")
            withId.id = 999
            let second = try await client.create(withId)
            #expect(second != 999 && second == id + 1)
        }
    }

    @Test func getOfAnUnknownIdIsNil() async throws {
        try await withEmulator { client, _ in
            let task = try await client.get(424_242)
            #expect(task == nil)
        }
    }

    @Test func updateChangesTheUpdatableFieldsOnly() async throws {
        try await withEmulator { client, _ in
            let id = try await client.create(sampleTask())
            var change = sampleTask()
            change.name = "renamed"  // not updatable: neither sent nor changed
            change.description = "new description"
            change.response = "ok"
            change.request = "please"
            let updated = try await client.update(id, change)
            #expect(updated.description == "new description")
            #expect(updated.response == "ok")
            #expect(updated.request == "please")
            #expect(updated.name == "import-eu")
            #expect(try await client.get(id)?.description == "new description")
        }
    }

    @Test func updateOfAnUnknownIdIsA404() async throws {
        try await withEmulator { client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.update(31_337, sampleTask()) }
            guard let status = error?.status, let message = error?.detail, case let type = error?.errorType else {
                Issue.record("expected .http, got \(String(describing: error))")
                return
            }
            #expect(status == 404)
            #expect(type == "SoNotFoundException")
            #expect(message.contains("31337"))
            #expect(error?.isRetryable == false)
        }
    }

    @Test func deleteReportsWhetherTheTaskWasThere() async throws {
        try await withEmulator { client, _ in
            let id = try await client.create(sampleTask())
            #expect(try await client.delete(id) == true)
            #expect(try await client.get(id) == nil)
            #expect(try await client.delete(id) == false)
        }
    }

    @Test func stopStopsACancellableRunningJob() async throws {
        try await withEmulator(emulatorConfiguration(jobSeconds: 60)) { client, _ in
            let id = try await client.create(sampleTask())
            #expect(try await client.stop(id) == true)
            let stopped = try #require(try await client.get(id))
            #expect(stopped.state == .failed)
            var fixed = sampleTask("fixed")
            fixed.cancellationBehaviour = "CannotCancel"
            let other = try await client.create(fixed)
            #expect(try await client.stop(other) == false)
            #expect(try await client.stop(555_555) == false)
        }
    }

    @Test func listByState() async throws {
        try await withEmulator(emulatorConfiguration(jobSeconds: 60)) { client, _ in
            let running = try await client.create(sampleTask("a"))
            let stopped = try await client.create(sampleTask("b"))
            _ = try await client.stop(stopped)
            let all = try await client.list(state: .all)
            #expect(Set(all.compactMap(\.id)) == [running, stopped])
            #expect(try await client.list(state: .failed).map(\.id) == [stopped])
            #expect(try await client.list(state: .succeeded).isEmpty)
        }
    }

    @Test func queryFiltersSelectsOrdersAndPages() async throws {
        try await withEmulator { client, _ in
            for name in ["c", "a", "b", "a b"] { _ = try await client.create(sampleTask(name)) }
            let page = try await client.query(
                filter: "startswith(name, 'a')", select: ["id", "name"], orderBy: "name desc", top: nil, skip: nil)
            #expect(page.rows.map { $0["name"]?.stringValue } == ["a b", "a"])
            #expect(page.rows.allSatisfy { $0.primaryKey != nil && $0.entityName == "batchtask" && $0["state"] == nil })
            #expect(page.nextLink == nil)
            // A quote and a space survive the query string.
            _ = try await client.create(sampleTask("o'neil & co"))
            let quoted = try await client.query(filter: "name eq 'o''neil & co'", select: nil, orderBy: nil, top: nil, skip: nil)
            #expect(quoted.rows.map { $0["name"]?.stringValue } == ["o'neil & co"])
            let second = try await client.query(filter: nil, select: nil, orderBy: "id", top: 2, skip: 2)
            #expect(second.rows.map { $0["name"]?.stringValue } == ["b", "a b"])
            #expect(second.nextLink != nil)
        }
    }

    @Test func queryAllFollowsNextLinkAcrossPages() async throws {
        try await withEmulator(emulatorConfiguration(pageSize: 3)) { client, _ in
            var ids: [Int32] = []
            for index in 0..<8 { ids.append(try await client.create(sampleTask("task-\(index)"))) }
            let first = try await client.query(filter: nil, select: nil, orderBy: nil, top: nil, skip: nil)
            #expect(first.rows.count == 3)
            let link = try #require(first.nextLink)
            #expect(try await client.nextPage(link).rows.count == 3)
            let all = try await client.queryAll(filter: nil)
            #expect(all.compactMap(\.primaryKey) == ids)
            let some = try await client.queryAll(filter: "name ne 'task-0'")
            #expect(some.count == 7)
        }
    }

    @Test func tasksNamedFindsSystemAndUserTasksAlike() async throws {
        try await withEmulator { client, _ in
            var system = sampleTask("nightly import")
            system.isSystemTask = true
            system.associateId = 0
            let systemID = try await client.create(system)
            let userID = try await client.create(sampleTask("nightly import"))
            _ = try await client.create(sampleTask("nightly import 2"))
            let found = try await client.tasks(named: "nightly import")
            #expect(Set(found.compactMap(\.id)) == [systemID, userID])
            #expect(found.first { $0.id == systemID }?.isSystemTask == true)
            #expect(try await client.list(state: .all).compactMap(\.id).contains(systemID) == false,
                    "the REST list by state leaves system tasks out, which is why recovery does not use it")
            #expect(try await client.tasks(named: "nobody").isEmpty)
        }
    }

    @Test func getManyReadsConcurrentlyAndLeavesOutUnknownIds() async throws {
        try await withEmulator(client: { $0.concurrency = 8 }) { client, _ in
            var ids: [Int32] = []
            for index in 0..<40 { ids.append(try await client.create(sampleTask("many-\(index)"))) }
            let found = try await client.getMany(ids + [ids[0], 90_000, 90_001], concurrency: 8)
            #expect(found.count == 40)
            #expect(Set(found.keys) == Set(ids))
            #expect(found[ids[5]]?.name == "many-5")
            #expect(try await client.getMany([], concurrency: 4).isEmpty)
        }
    }

    @Test func headersReachTheServer() async throws {
        let newYork = try #require(SuperOfficeTimeZone("US-NY"))
        try await withEmulator(client: { $0.timeZone = TimeZoneHeader(zone: newYork, includesOffset: true); $0.language = "en"; $0.culture = "en" }) { client, _ in
            var task = sampleTask()
            task.created = "2026-01-15T10:00:00+02:00"
            let id = try await client.create(task)
            // Created is UTC whatever the zone, and with includeTZOffset it carries its offset (api.md v3).
            let created = try #require(try await client.get(id)?.created)
            #expect(DotNetDate(created)?.ticksSince1970 == DotNetDate("2026-01-15T08:00:00Z")?.ticksSince1970, "\(created)")
            #expect(DotNetDate(created)?.offsetMinutes == 0)
        }
    }

    @Test func everyRequestAsksForDatesWithTheirOffset() async throws {
        try await withEmulator { client, _ in
            var task = sampleTask()
            task.created = "2026-01-15T10:00:00+02:00"
            let id = try await client.create(task)
            // Without SO-TimeZone the server would write the date without an offset; batchctl asks for one.
            let created = try #require(try await client.get(id)?.created)
            #expect(DotNetDate(created) != nil, "\(created) carries its offset")
            #expect(client.timeZone.description == "UTC, includeTZOffset")
        }
    }

    @Test func aBaseURLWithApiV1OrASlashIsTolerated() async throws {
        try await withEmulator { client, server in
            let id = try await client.create(sampleTask())
            for suffix in ["/", "/api/v1", "/api/v1/"] {
                let other = BatchTaskClient(
                    configuration: ClientConfiguration(
                        baseURL: server.baseURL + suffix, credentials: .basic(user: testUser.user, password: testUser.password)))
                let task = try? await other.get(id)
                await other.shutdown()
                #expect(task?.id == id, "base URL with \(suffix)")
            }
        }
    }

    @Test func aBadConfigurationFailsEveryCallWithoutSending() async throws {
        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: "ftp://example.com"))
        let error = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
        await client.shutdown()
        guard error?.isConfiguration == true, let message = error?.detail else {
            Issue.record("expected .configuration, got \(String(describing: error))")
            return
        }
        #expect(message.contains("http"))
        #expect(throws: ClientError.self) { try ClientConfiguration(baseURL: "http://u:p@host").validate() }
        #expect(throws: ClientError.self) { try ClientConfiguration(baseURL: "http://h", concurrency: 0).validate() }
        #expect(throws: ClientError.self) { try ClientConfiguration(baseURL: "http://h", rateLimit: 0).validate() }
        #expect(throws: Never.self) { try ClientConfiguration(baseURL: "https://online.example.com/Cust1/").validate() }
    }
}
