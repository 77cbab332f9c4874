import Foundation
import Testing

@testable import Emulator

@Suite struct EmbeddedTests {
    @Test func embeddedStartsOnAFreePortWithItsOwnCredential() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // `.batchctl/` does not exist yet: starting creates it.
        let path = directory.appendingPathComponent(".batchctl/embedded.sqlite").path
        let embedded = try await EmbeddedEmulator.start(databasePath: path, jobs: JobConfiguration(durationSeconds: 0))
        let client = TestClient(baseURL: embedded.baseURL)
        do {
            #expect(embedded.baseURL.hasPrefix("http://127.0.0.1:"))
            #expect(!embedded.baseURL.hasSuffix(":0"))
            #expect(embedded.credential.password.count >= 32)
            #expect(FileManager.default.fileExists(atPath: path))
            let created = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "embedded"}"#, authorization: embedded.authorization)
            #expect(created.status == 200)
            let fromTuple = basic(embedded.credential.user, embedded.credential.password)
            #expect(try await client.send(.GET, "/api/v1/BatchTask/1", authorization: fromTuple).task.name == "embedded")
            #expect(try await client.get("/api/v1/BatchTask/All").status == 401)
        } catch {
            try? await client.shutdown()
            await embedded.stop()
            throw error
        }
        try await client.shutdown()
        await embedded.stop()

        let second = try await EmbeddedEmulator.start(databasePath: path)
        let again = TestClient(baseURL: second.baseURL)
        let kept = try? await again.send(.GET, "/api/v1/BatchTask/1", authorization: second.authorization)
        try? await again.shutdown()
        await second.stop()
        #expect(second.credential != embedded.credential)
        #expect(try kept?.task.name == "embedded")
    }
}
