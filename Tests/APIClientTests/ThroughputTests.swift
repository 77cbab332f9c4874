import APIClient
import AsyncHTTPClient
import BatchTask
import Emulator
import Foundation
import JSON
import NIOCore
import Testing

/// A measurement, not a check: `BATCHCTL_API_BENCH=1 swift test --filter ThroughputTests` prints the requests per
/// second of `BatchTaskClient.get` at concurrency 32 beside those of bare AsyncHTTPClient on the same server, so the
/// client's own overhead shows whatever the build configuration.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BATCHCTL_API_BENCH"] != nil))
struct ThroughputTests {
    static let concurrency = 32
    static let requests = 8_000

    static func rate(_ body: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            let perWorker = requests / concurrency
            for _ in 0..<concurrency {
                group.addTask { for _ in 0..<perWorker { try await body() } }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        return Double(requests) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    @Test func getThroughputAgainstBareAsyncHTTPClient() async throws {
        let server = try await EmulatorServer.start(emulatorConfiguration(authentication: AuthenticationConfiguration(isEnabled: false)))
        var settings = HTTPClient.Configuration()
        settings.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.concurrency)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: server.baseURL, concurrency: Self.concurrency))
        do {
            let id = try await client.create(sampleTask())
            let url = server.baseURL + "/api/v1/BatchTask/\(id)"
            // Warm both pools first.
            _ = try await Self.rate { _ = try await client.get(id) }
            let bare = try await Self.rate {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Accept", value: "application/json")
                let response = try await http.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            // The same plus the decoding every client must do, to tell the client's own cost from the model's.
            let decoding = try await Self.rate {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Accept", value: "application/json")
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                _ = try BatchTaskInfo(json: try JSONValue.parse(body.readableBytesView))
            }
            let ours = try await Self.rate { _ = try await client.get(id) }
            print(
                "GET at concurrency \(Self.concurrency): bare AsyncHTTPClient \(Int(bare)) req/s, with decoding \(Int(decoding)) req/s, "
                    + "BatchTaskClient \(Int(ours)) req/s (\(Int(ours / bare * 100))% of bare, \(Int(ours / decoding * 100))% of bare with decoding)")
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        try await http.shutdown()
        await server.stop()
    }
}
