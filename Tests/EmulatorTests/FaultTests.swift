import AsyncHTTPClient
import Foundation
import JSON
import Testing

@testable import Emulator

@Suite struct FaultTests {
    static func faults(_ faults: FaultConfiguration, databasePath: String = ":memory:") -> EmulatorConfiguration {
        testConfiguration(databasePath: databasePath, faults: faults)
    }

    @Test func errorRateOneAnswers5xxWithoutProcessing() async throws {
        try await withServer(Self.faults(FaultConfiguration(errorRate: 1, seed: 7))) { client async throws in
            for _ in 0..<8 {
                let reply = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x"}"#)
                #expect((500...504).contains(reply.status))
                #expect(try reply.json["ErrorType"] == "SoInjectedFaultException")
            }
        }
    }

    @Test func throttleRateOneAnswers429WithRetryAfter() async throws {
        try await withServer(Self.faults(FaultConfiguration(throttleRate: 1, retryAfterSeconds: 2, seed: 7))) { client async throws in
            let reply = try await client.get("/api/v1/BatchTask/All")
            #expect(reply.status == 429)
            #expect(reply.header("Retry-After") == "2")
            #expect(try reply.json["Error"] == true)
        }
    }

    @Test func aLostAnswerClosesTheConnectionAfterCommitting() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lost.sqlite").path
        try await withServer(Self.faults(FaultConfiguration(lostAnswerRate: 1, seed: 7), databasePath: path)) { client async throws in
            await #expect(throws: HTTPClientError.remoteConnectionClosed) {
                _ = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "lost"}"#)
            }
            // Errors are answered: only a processed request's answer goes missing.
            #expect(try await client.get("/api/v1/BatchTask/nonsense").status == 400)
        }
        try await withServer(testConfiguration(databasePath: path)) { client async throws in
            let created = try await client.task(1)
            #expect(created.name == "lost")
        }
    }

    @Test func latencyDelaysAnswers() async throws {
        try await withServer(Self.faults(FaultConfiguration(latencyMilliseconds: 300, seed: 7))) { client async throws in
            let start = ContinuousClock.now
            #expect(try await client.get("/api/v1/BatchTask/All").status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }

    @Test func theSameSeedGivesTheSameFaults() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let configuration = Self.faults(FaultConfiguration(errorRate: 0.3, throttleRate: 0.3, seed: seed))
            return try await withServer(configuration) { client async throws in
                var statuses: [Int] = []
                for _ in 0..<30 { statuses.append(try await client.get("/api/v1/BatchTask/All").status) }
                return statuses
            }
        }
        let first = try await statuses(seed: 99)
        #expect(try await statuses(seed: 99) == first)
        #expect(try await statuses(seed: 100) != first)
        #expect(first.contains(200) && first.contains(429) && first.contains { $0 >= 500 })
    }

    @Test func splitMix64IsTheReferenceSequence() {
        // The first outputs of SplitMix64 seeded with 0, as in the reference implementation.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        var unit = SplitMix64(seed: 5)
        for _ in 0..<1000 { #expect((0..<1).contains(unit.nextUnit())) }
    }
}
