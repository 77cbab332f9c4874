@testable import APIClient
import BatchTask
import Emulator
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The HTTP/1.1 transport under the client, against the real emulator: what it reports as sent and not sent decides
/// whether a create may be sent again.
@Suite struct TransportTests {
    private static func transport(connections: Int = 4) -> HTTPTransport {
        HTTPTransport(settings: HTTPTransport.Settings(maximumConnections: connections, connectTimeout: .seconds(10)))
    }

    private static var headers: HTTPHeaders {
        HTTPHeaders([("Authorization", Credentials.basic(user: testUser.user, password: testUser.password).authorizationHeader), ("Accept", "application/json")])
    }

    @Test func aCreateAfterTheServerClosedTheIdleConnectionGoesOutOnANewOneOnce() async throws {
        var server = emulatorConfiguration()
        server.idleTimeoutSeconds = 1
        let attempts = Mutex(0)
        try await withEmulator(server, client: { configuration in
            configuration.attemptObserver = { method, _ in if method == "POST" { attempts.withLock { $0 += 1 } } }
        }) { client, _ in
            _ = try await client.create(sampleTask("first"))
            // The server closes the pooled connection after a second without a request.
            try await Task.sleep(for: .seconds(3))
            _ = try await client.create(sampleTask("second"))
            let names = try await client.list(state: .all).compactMap(\.name)
            #expect(names.sorted() == ["first", "second"])
        }
        // One attempt per create: the closed connection was not written to, so nothing had to be sent again. (The
        // list may be tried twice on a loaded machine: the server closes a connection after a second idle.)
        #expect(attempts.withLock { $0 } == 2)
    }

    @Test func requestsBeyondThePoolWaitTheirTurnOnItsConnections() async throws {
        try await withEmulator(client: { $0.concurrency = 2 }) { client, _ in
            let id = try await client.create(sampleTask())
            try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<40 { group.addTask { try await client.get(id)?.id ?? 0 } }
                var answered = 0
                for try await got in group {
                    #expect(got == id)
                    answered += 1
                }
                #expect(answered == 40)
            }
        }
    }

    @Test func httpsToAServerThatSpeaksPlainHTTPFailsToConnectAndSendsNothing() async throws {
        let emulator = try await EmulatorServer.start(emulatorConfiguration())
        let port = emulator.baseURL.split(separator: ":").last.map(String.init) ?? ""
        let transport = Self.transport()
        do throws(TransportError) {
            _ = try await transport.execute(
                .POST, "https://127.0.0.1:\(port)/api/v1/BatchTask", headers: Self.headers, body: ByteBuffer(string: "{}"),
                timeout: .seconds(10), maximumBytes: 1 << 20)
            Issue.record("a TLS request to a plain HTTP server was answered")
        } catch {
            #expect(error.kind == .connect, "\(error)")
            #expect(!error.wasSent)
            guard case .notSent = RequestSender.delivery(of: error) else {
                Issue.record("a failed handshake was taken for a request the server may have processed")
                return
            }
        }
        await transport.shutdown()
        // Through the client, a create there fails as a transport error after its retries, not as an unknown outcome.
        let client = BatchTaskClient(configuration: ClientConfiguration(
            baseURL: "https://127.0.0.1:\(port)", credentials: .basic(user: testUser.user, password: testUser.password),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5), maxDelay: .milliseconds(10))))
        let failure = await clientError { () async throws(ClientError) in _ = try await client.create(sampleTask()) }
        await client.shutdown()
        #expect(failure?.isTransport == true, "\(String(describing: failure))")
        #expect(failure?.detail.contains("cannot connect to https://127.0.0.1:\(port)") == true, "\(String(describing: failure))")
        let plain = BatchTaskClient(configuration: ClientConfiguration(
            baseURL: emulator.baseURL, credentials: .basic(user: testUser.user, password: testUser.password)))
        let tasks = try await plain.list(state: .all)
        await plain.shutdown()
        await emulator.stop()
        #expect(tasks.isEmpty)
    }

    @Test func anAnswerOverTheLimitFailsAfterItsHeadAsSent() async throws {
        try await withEmulator { client, emulator in
            let id = try await client.create(sampleTask())
            let transport = Self.transport()
            do throws(TransportError) {
                _ = try await transport.execute(
                    .GET, emulator.baseURL + "/api/v1/BatchTask/\(id)", headers: Self.headers, body: nil, timeout: .seconds(10),
                    maximumBytes: 16)
                Issue.record("an answer over the limit was returned")
            } catch {
                #expect(error.kind == .tooLarge)
                #expect(error.status == .ok)
                #expect(error.wasSent)
            }
            // The connection that carried it was closed; the next request gets another.
            let answer = try await transport.execute(
                .GET, emulator.baseURL + "/api/v1/BatchTask/\(id)", headers: Self.headers, body: nil, timeout: .seconds(10),
                maximumBytes: 1 << 20)
            #expect(answer.head.status == .ok)
            await transport.shutdown()
        }
    }

    @Test func aRequestCancelledWhileTheServerIsSlowEndsAtOnceAsMaybeSent() async throws {
        var server = emulatorConfiguration()
        server.faults = FaultConfiguration(latencyMilliseconds: 15_000, seed: 1)
        let emulator = try await EmulatorServer.start(server)
        let transport = Self.transport()
        let url = emulator.baseURL + "/api/v1/BatchTask/1"
        let started = ContinuousClock.now
        let request = Task { () async -> TransportError? in
            do throws(TransportError) {
                _ = try await transport.execute(.GET, url, headers: Self.headers, body: nil, timeout: .seconds(60), maximumBytes: 1 << 20)
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        request.cancel()
        let error = await request.value
        #expect(ContinuousClock.now - started < .seconds(12), "the cancelled request waited for the server")
        #expect(error?.kind == .cancelled)
        #expect(error?.wasSent == true)
        await transport.shutdown()
        await emulator.stop()
    }

    @Test func aRequestCancelledWhileItWaitsForAConnectionSendsNothing() async throws {
        var server = emulatorConfiguration()
        server.faults = FaultConfiguration(latencyMilliseconds: 15_000, seed: 1)
        let emulator = try await EmulatorServer.start(server)
        let transport = Self.transport(connections: 1)
        let url = emulator.baseURL + "/api/v1/BatchTask/1"
        func request() -> Task<TransportError?, Never> {
            Task {
                do throws(TransportError) {
                    _ = try await transport.execute(.GET, url, headers: Self.headers, body: nil, timeout: .seconds(60), maximumBytes: 1 << 20)
                    return nil
                } catch {
                    return error
                }
            }
        }
        let holding = request()
        try await Task.sleep(for: .milliseconds(300))
        let waiting = request()
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        waiting.cancel()
        let error = await waiting.value
        #expect(ContinuousClock.now - started < .seconds(12), "the cancelled request waited for the connection")
        #expect(error?.kind == .cancelled)
        #expect(error?.wasSent == false)
        holding.cancel()
        _ = await holding.value
        await transport.shutdown()
        await emulator.stop()
    }

    @Test func aURLIsSplitIntoItsOriginAndTarget() {
        #expect(HTTPTransport.split("http://h:8080/api/v1/BatchTask?$top=5").map { "\($0.origin) \($0.target)" } == "http://h:8080 /api/v1/BatchTask?$top=5")
        #expect(HTTPTransport.split("https://[::1]:443").map { "\($0.origin) \($0.target)" } == "https://[::1]:443 /")
        #expect(HTTPTransport.split("http://h?x=1").map { "\($0.origin) \($0.target)" } == "http://h /?x=1")
        #expect(HTTPTransport.split("no scheme") == nil)
    }
}
