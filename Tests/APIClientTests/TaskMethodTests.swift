import APIClient
import BatchTask
import Emulator
import JSON
import Testing

@Suite struct TaskMethodTests {
    @Test func createThenGetReturnsWhatWasSent() async throws {
        try await withEmulator { client, _ in
            let sent = sampleTask()
            let id = try await client.create(sent)
            let task = try #require(try await client.get(id))
            #expect(task.id == id)
            #expect(task.name == sent.name)
            #expect(task.parameterObject == sent.parameterObject)
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
            guard case .http(let status, let type, let message)? = error else {
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
            fixed.cancellationBehaviour = "None"
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
                filter: "startswith(Name, 'a')", select: ["Id", "Name"], orderBy: "Name desc", top: nil, skip: nil)
            #expect(page.items.map(\.name) == ["a b", "a"])
            #expect(page.items.allSatisfy { $0.parameterObject == nil && $0.id != nil })
            #expect(page.nextLink == nil)
            // A quote and a space survive the query string.
            _ = try await client.create(sampleTask("o'neil & co"))
            let quoted = try await client.query(filter: "Name eq 'o''neil & co'", select: nil, orderBy: nil, top: nil, skip: nil)
            #expect(quoted.items.map(\.name) == ["o'neil & co"])
            let second = try await client.query(filter: nil, select: nil, orderBy: "Id", top: 2, skip: 2)
            #expect(second.items.map(\.name) == ["b", "a b"])
            #expect(second.nextLink != nil)
        }
    }

    @Test func queryAllFollowsNextLinkAcrossPages() async throws {
        try await withEmulator(emulatorConfiguration(pageSize: 3)) { client, _ in
            var ids: [Int32] = []
            for index in 0..<8 { ids.append(try await client.create(sampleTask("task-\(index)"))) }
            let first = try await client.query(filter: nil, select: nil, orderBy: nil, top: nil, skip: nil)
            #expect(first.items.count == 3)
            let link = try #require(first.nextLink)
            #expect(try await client.nextPage(link).items.count == 3)
            let all = try await client.queryAll(filter: nil)
            #expect(all.compactMap(\.id) == ids)
            let some = try await client.queryAll(filter: "Name ne 'task-0'")
            #expect(some.count == 7)
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
        try await withEmulator(client: { $0.timeZone = "UTC"; $0.language = "en"; $0.culture = "en" }) { client, _ in
            var task = sampleTask()
            task.created = "2026-01-15T10:00:00+02:00"
            let id = try await client.create(task)
            // SO-TimeZone makes the server write the same instant in UTC.
            #expect(try await client.get(id)?.created == "2026-01-15T08:00:00.0000000+00:00")
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
        guard case .configuration(let message)? = error else {
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
