import APIClient
import AsyncHTTPClient
import BatchTask
import Emulator
import JSON
import NIOCore

/// The API client's own overhead: the requests per second of `BatchTaskClient.get` beside those of bare
/// AsyncHTTPClient, and of bare AsyncHTTPClient plus the decoding every client must do, on the same in-process
/// emulator at the same concurrency, so the client's cost shows whatever the build configuration.
struct ClientThroughput {
    var requests = 8_000
    var concurrency = 32

    /// Starts the emulator, measures the three rates and returns the line that reports them.
    func run() async throws -> String {
        let server = try await EmulatorServer.start(
            EmulatorConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 0), authentication: AuthenticationConfiguration(isEnabled: false),
                jobs: JobConfiguration(durationSeconds: 0), faults: FaultConfiguration(seed: 1)))
        var settings = HTTPClient.Configuration()
        settings.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: server.baseURL, concurrency: concurrency))
        do {
            let line = try await measure(client: client, http: http, baseURL: server.baseURL)
            await client.shutdown()
            try await http.shutdown()
            await server.stop()
            return line
        } catch {
            await client.shutdown()
            try? await http.shutdown()
            await server.stop()
            throw error
        }
    }

    private func measure(client: BatchTaskClient, http: HTTPClient, baseURL: String) async throws -> String {
        let id = try await client.create(Self.sampleTask)
        let url = baseURL + "/api/v1/BatchTask/\(id)"
        // Warms both pools first.
        _ = try await rate { _ = try await client.get(id) }
        let bare = try await rate { _ = try await Self.fetch(url, with: http) }
        // The same plus the decoding every client must do, to tell the client's own cost from the model's.
        let decoding = try await rate {
            let body = try await Self.fetch(url, with: http)
            _ = try BatchTaskInfo(json: try JSONValue.parse(body.readableBytesView))
        }
        let ours = try await rate { _ = try await client.get(id) }
        return "GET at concurrency \(concurrency): bare AsyncHTTPClient \(Int(bare)) req/s, with decoding \(Int(decoding)) req/s, "
            + "BatchTaskClient \(Int(ours)) req/s (\(Int(ours / bare * 100))% of bare, \(Int(ours / decoding * 100))% of bare with decoding)"
    }

    /// Requests per second of `requests` calls of `body`, spread over `concurrency` workers.
    private func rate(_ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        let perWorker = max(1, requests / concurrency)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { for _ in 0..<perWorker { try await body() } }
            }
            try await group.waitForAll()
        }
        return Double(perWorker * concurrency) / seconds(ContinuousClock.now - start)
    }

    private static func fetch(_ url: String, with http: HTTPClient) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await http.execute(request, timeout: .seconds(30))
        return try await response.body.collect(upTo: 1 << 20)
    }

    /// A task as a manifest would describe it.
    private static var sampleTask: BatchTaskInfo {
        var info = BatchTaskInfo()
        info.name = "import-eu"
        info.associateId = 7
        info.isSystemTask = false
        info.parameterObject = ["region": "eu", "batch": 3]
        info.databaseSerialNumber = "DB-1"
        info.context = "nightly"
        info.description = "imports the EU batch"
        info.cancellationBehaviour = "CanCancel"
        return info
    }
}
