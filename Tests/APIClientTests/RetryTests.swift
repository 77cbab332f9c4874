import APIClient
import BatchTask
import Emulator
import Foundation
import Testing

/// Retries and the classification of failures, against the emulator's injected faults.
@Suite struct RetryTests {
    /// The emulator's fault draws come from SplitMix64 seeded with `--seed`, one unit per enabled fault per
    /// request; this finds a seed whose first draws fall as a test needs, so the test is exact, not lucky.
    static func seed(where wanted: ([Double]) -> Bool) -> UInt64 {
        for seed in UInt64(1)...10_000 {
            var state = seed
            var units: [Double] = []
            for _ in 0..<4 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                units.append(Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53)
            }
            if wanted(units) { return seed }
        }
        return 0
    }

    @Test func aThrottledCreateWaitsForRetryAfterAndSucceeds() async throws {
        // First request throttled, the second not.
        let seed = Self.seed { $0[0] < 0.5 && $0[1] >= 0.5 }
        let capture = LogCapture()
        let faults = FaultConfiguration(throttleRate: 0.5, retryAfterSeconds: 1, seed: seed)
        try await withEmulator(emulatorConfiguration(faults: faults), client: { $0.logger = capture.logger }) { client, _ in
            let start = ContinuousClock.now
            let id = try await client.create(sampleTask())
            // The backoff alone would be a few milliseconds (quickRetries); a second means Retry-After was honoured.
            #expect(ContinuousClock.now - start >= .seconds(1))
            #expect(capture.lines.contains { $0.contains("POST /api/v1/BatchTask -> 429 (Retry-After 1.0 s)") })
            #expect(capture.lines.contains { $0.contains("POST /api/v1/BatchTask -> 200") && $0.contains("attempt 2") })
            #expect(id == 1)
        }
    }

    @Test func retryAfterIsCappedAndThrottlingEventuallyGivesUp() async throws {
        let faults = FaultConfiguration(throttleRate: 1, retryAfterSeconds: 30, seed: 3)
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxRetryAfter: .milliseconds(20))
        try await withEmulator(emulatorConfiguration(faults: faults), client: { $0.retry = policy }) { client, _ in
            let start = ContinuousClock.now
            let error = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask()) }
            // Uncapped, the first Retry-After alone would be 30 s; capped, three attempts take milliseconds (the bound
            // leaves room for a loaded machine).
            #expect(ContinuousClock.now - start < .seconds(25))
            guard error?.status == 429, case let type = error?.errorType else {
                Issue.record("expected a 429, got \(String(describing: error))")
                return
            }
            #expect(type == "SoThrottledException")
            #expect(error?.isRetryable == true)
        }
    }

    @Test func serverErrorsOnReadsAreRetried() async throws {
        let seed = Self.seed { $0[0] < 0.5 }
        let capture = LogCapture()
        let faults = FaultConfiguration(errorRate: 0.5, seed: seed)
        try await withEmulator(emulatorConfiguration(faults: faults), client: { $0.logger = capture.logger }) { client, _ in
            for _ in 0..<10 {
                let tasks = try await client.list(state: .all)
                #expect(tasks.isEmpty)
            }
            let missing = try await client.get(12)
            #expect(missing == nil)
            let retried = capture.lines.filter { $0.contains("GET /api/v1/BatchTask/All -> 50") && $0.contains("retrying") }
            #expect(!retried.isEmpty)
        }
    }

    @Test func aServerErrorOnACreateIsAnUnknownOutcomeAndNotResent() async throws {
        let capture = LogCapture()
        let faults = FaultConfiguration(errorRate: 1, seed: 5)
        try await withEmulator(emulatorConfiguration(faults: faults), client: { $0.logger = capture.logger }) { client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask()) }
            guard error?.isOutcomeUnknown == true, let message = error?.detail else {
                Issue.record("expected .outcomeUnknown, got \(String(describing: error))")
                return
            }
            #expect(message.contains("SoInjectedFaultException"))
            #expect(error?.isRetryable == false)
            #expect(capture.lines.filter { $0.contains("POST ") }.count == 1)
        }
    }

    /// The classification that matters most: the emulator commits, then closes the connection unanswered.
    @Test func aLostAnswerToACreateIsAnUnknownOutcomeAndTheTaskExists() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lost.sqlite").path

        let capture = LogCapture()
        let lossy = emulatorConfiguration(databasePath: path, faults: FaultConfiguration(lostAnswerRate: 1, seed: 9))
        try await withEmulator(lossy, client: { $0.logger = capture.logger }) { client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask("lost")) }
            guard error?.isOutcomeUnknown == true, let message = error?.detail else {
                Issue.record("expected .outcomeUnknown, got \(String(describing: error))")
                return
            }
            #expect(message.contains("closed the connection without answering"))
            #expect(capture.lines.filter { $0.contains("POST ") }.count == 1)

            // Reads lose their answers too, so they are retried and finally fail as transport errors.
            let read = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
            guard read?.isTransport == true else {
                Issue.record("expected .transport, got \(String(describing: read))")
                return
            }
            #expect(capture.lines.contains { $0.contains("GET /api/v1/BatchTask/1") && $0.contains("attempt 6") })
        }
        // The same database without the fault: the create had been committed, exactly once.
        try await withEmulator(emulatorConfiguration(databasePath: path)) { client, _ in
            let found = try await client.queryAll(filter: "Name eq 'lost'")
            #expect(found.count == 1)
            #expect(try await client.get(1)?.name == "lost")
        }
    }

    @Test func aRefusedConnectionIsRetriedEvenForACreateAndIsATransportError() async throws {
        // A port that was just free: start a server to learn one, then stop it.
        let server = try await EmulatorServer.start(emulatorConfiguration())
        let baseURL = server.baseURL
        await server.stop()

        let capture = LogCapture()
        let client = BatchTaskClient(
            configuration: ClientConfiguration(
                baseURL: baseURL, timeout: .seconds(2),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1)), logger: capture.logger))
        let error = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask()) }
        await client.shutdown()
        guard error?.isTransport == true, let message = error?.detail else {
            Issue.record("expected .transport, got \(String(describing: error))")
            return
        }
        #expect(message.contains("cannot connect"))
        #expect(capture.lines.contains { $0.contains("POST") && $0.contains("attempt 3") })
    }

    @Test func aTimeoutWaitingForACreatesAnswerIsAnUnknownOutcome() async throws {
        let faults = FaultConfiguration(latencyMilliseconds: 400, seed: 2)
        let capture = LogCapture()
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1))
        try await withEmulator(
            emulatorConfiguration(faults: faults), client: { $0.timeout = .milliseconds(100); $0.retry = policy; $0.logger = capture.logger }
        ) { client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask()) }
            guard error?.isOutcomeUnknown == true, let message = error?.detail else {
                Issue.record("expected .outcomeUnknown, got \(String(describing: error))")
                return
            }
            #expect(message.contains("no answer within 0.1 s"))
            let read = await clientError { () async throws(ClientError) in _ = try await client.list(state: .all) }
            guard read?.isTransport == true else {
                Issue.record("expected .transport, got \(String(describing: read))")
                return
            }
            #expect(capture.lines.contains { $0.contains("GET /api/v1/BatchTask/All") && $0.contains("attempt 2") })
        }
    }

    @Test func theRateLimitSpacesRequests() async throws {
        try await withEmulator(client: { $0.rateLimit = 50; $0.concurrency = 20 }) { client, _ in
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { _ = try await client.get(1) } }
                try await group.waitForAll()
            }
            // 20 requests at 50 a second: the last one goes 19 intervals of 20 ms after the first.
            #expect(ContinuousClock.now - start >= .milliseconds(350))
        }
    }
}
