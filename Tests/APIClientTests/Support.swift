import APIClient
import BatchTask
import Emulator
import Foundation
import JSON
import Logging
import Testing

/// The Basic user every test server admits unless a test says otherwise.
let testUser = BasicCredential(user: "tester", password: "pa55:word-that-must-not-leak")

/// A configuration on a free loopback port with an in-memory database, jobs that finish at once and no faults.
func emulatorConfiguration(
    databasePath: String = ":memory:", faults: FaultConfiguration = FaultConfiguration(seed: 1),
    authentication: AuthenticationConfiguration? = nil, pageSize: Int = 1000, jobSeconds: Double = 0
) -> EmulatorConfiguration {
    EmulatorConfiguration(
        listen: ListenAddress(host: "127.0.0.1", port: 0), databasePath: databasePath,
        authentication: authentication ?? AuthenticationConfiguration(users: [testUser]),
        jobs: JobConfiguration(durationSeconds: jobSeconds), faults: faults, pageSize: pageSize)
}

/// Retries fast enough for tests, with the policy's shape unchanged.
let quickRetries = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50))

/// Starts a real emulator, runs `body` with a client for it, and stops both whatever happens.
func withEmulator<T: Sendable>(
    _ server: EmulatorConfiguration = emulatorConfiguration(),
    client configure: (inout ClientConfiguration) -> Void = { _ in },
    _ body: (BatchTaskClient, EmulatorServer) async throws -> T
) async throws -> T {
    let emulator = try await EmulatorServer.start(server)
    var configuration = ClientConfiguration(
        baseURL: emulator.baseURL, credentials: .basic(user: testUser.user, password: testUser.password), retry: quickRetries)
    configure(&configuration)
    let client = BatchTaskClient(configuration: configuration)
    do {
        let result = try await body(client, emulator)
        await client.shutdown()
        await emulator.stop()
        return result
    } catch {
        await client.shutdown()
        await emulator.stop()
        throw error
    }
}

/// A task as a manifest would describe it.
func sampleTask(_ name: String = "import-eu", parameters: JSONValue = ["region": "eu", "batch": 3]) -> BatchTaskInfo {
    var info = BatchTaskInfo()
    info.name = name
    info.associateId = 7
    info.isSystemTask = false
    info.parameterObject = parameters
    info.databaseSerialNumber = "DB-1"
    info.context = "nightly"
    info.description = "imports the EU batch"
    info.cancellationBehaviour = "CanCancel"
    return info
}

/// Runs `body` and returns the ClientError it throws; records an issue when it throws none or another error.
func clientError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws(ClientError) -> Void
) async -> ClientError? {
    do {
        try await body()
        Issue.record("expected a ClientError, got success", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Every line logged through it, at every level, for asserting what logs show and never show.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        stored.append(line)
    }

    var logger: Logger {
        var logger = Logger(label: "test.api") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let extra = (event.metadata ?? [:]).merging(metadata) { a, _ in a }
            capture.append("\(event.level) \(event.message)" + (extra.isEmpty ? "" : " \(extra)"))
        }
    }
}
