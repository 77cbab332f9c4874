import AsyncHTTPClient
import BatchTask
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import Testing

@testable import Emulator

/// The Basic user every test server admits.
let testUser = BasicCredential(user: "tester", password: "s3cret:with:colons")

func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

/// A configuration on a free loopback port, admitting `testUser`.
func testConfiguration(
    databasePath: String = ":memory:", jobs: JobConfiguration = JobConfiguration(durationSeconds: 0),
    faults: FaultConfiguration = FaultConfiguration(seed: 1), authentication: AuthenticationConfiguration? = nil,
    pageSize: Int = 1000
) -> EmulatorConfiguration {
    EmulatorConfiguration(
        listen: ListenAddress(host: "127.0.0.1", port: 0), databasePath: databasePath,
        authentication: authentication ?? AuthenticationConfiguration(users: [testUser]), jobs: jobs, faults: faults,
        pageSize: pageSize)
}

/// Time moved by hand, for exact job-lifecycle tests (the server under test is the real one).
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var ticks: Int64

    init(_ date: String = "2026-01-15T10:00:00Z") {
        ticks = DotNetDate(date)?.ticksSince1970 ?? 0
    }

    var now: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return ticks
    }

    func advance(seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        ticks += Int64(seconds * 10_000_000)
    }

    var clock: EmulatorClock { EmulatorClock { self.now } }
}

/// Starts a real server, runs `body` with a client for it, and stops both whatever happens.
func withServer<T: Sendable>(
    _ configuration: EmulatorConfiguration = testConfiguration(), clock: EmulatorClock = .system,
    _ body: (TestClient) async throws -> T
) async throws -> T {
    let server = try await EmulatorServer.start(configuration, stopOnSignals: false, clock: clock)
    let client = TestClient(baseURL: server.baseURL, server: server)
    do {
        let result = try await body(client)
        try await client.shutdown()
        await server.stop()
        return result
    } catch {
        try? await client.shutdown()
        await server.stop()
        throw error
    }
}

/// An HTTP answer, fully read.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    var json: JSONValue {
        get throws { try JSONValue.parse(body) }
    }

    var task: BatchTaskInfo {
        get throws { try BatchTaskInfo(json: try json) }
    }

    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// AsyncHTTPClient against one server, sending `testUser` unless told otherwise.
struct TestClient: Sendable {
    let baseURL: String
    /// The server under test when the test started it itself.
    let server: EmulatorServer?
    let http: HTTPClient

    init(baseURL: String, server: EmulatorServer? = nil) {
        self.baseURL = baseURL
        self.server = server
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        // A request waits for a pooled connection up to the connect timeout: 200 at once behind 32 connections on a
        // loaded machine can wait longer than the default 10 s.
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(60))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    /// `path` is appended to the base URL (`/api/v1/BatchTask/1`); `authorization: nil` sends none.
    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, bytes: [UInt8]? = nil,
        contentType: String? = "application/json", accept: String? = nil,
        authorization: String? = basic(testUser.user, testUser.password), headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let payload = bytes ?? body.map({ Array($0.utf8) }) {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(bytes: payload))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    func get(_ path: String, accept: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        try await send(.GET, path, accept: accept, headers: headers)
    }

    /// Creates a task from JSON and returns its id.
    func create(_ json: JSONValue) async throws -> Int32 {
        let reply = try await send(.POST, "/api/v1/BatchTask", body: json.serialized())
        try #require(reply.status == 200, "POST answered \(reply.status): \(reply.text)")
        let id = try #require(try reply.json.intValue.flatMap { Int32(exactly: $0) }, "POST answered \(reply.text)")
        return id
    }

    func task(_ id: Int32) async throws -> BatchTaskInfo {
        let reply = try await get("/api/v1/BatchTask/\(id)")
        try #require(reply.status == 200, "GET \(id) answered \(reply.status): \(reply.text)")
        return try reply.task
    }
}

/// A fresh directory under the system's temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-emulator-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(within seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
