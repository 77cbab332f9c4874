@testable import APIClient
import BatchTask
import Emulator
import NIOCore
import NIOHTTP1
import NIOPosix
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
        try await withEmulator(server) { client, _ in
            _ = try await client.create(sampleTask("first"))
            #expect(client.openIdleConnections() == 1)
            // The server closes the pooled connection after a second without a request. Its close reaches this side
            // when the event loop reads it, which a loaded machine may delay; until then a request written meets
            // the close and its outcome is unknown, as it would be with any client. The promise is that a
            // connection known to be closed is not written on: wait until it is known.
            let deadline = ContinuousClock.now + .seconds(60)
            while client.openIdleConnections() > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(client.openIdleConnections() == 0)
            _ = try await client.create(sampleTask("second"))
            // Written on the closed connection, the create would have ended as an unknown outcome (thrown here).
            let names = try await client.list(state: .all).compactMap(\.name)
            #expect(names.sorted() == ["first", "second"])
        }
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

    /// Sends a GET through `transport` to `url` in a task of its own, which returns the error it ends with.
    private static func request(_ transport: HTTPTransport, _ url: String) -> Task<TransportError?, Never> {
        Task {
            do throws(TransportError) {
                _ = try await transport.execute(.GET, url, headers: Self.headers, body: nil, timeout: .seconds(120), maximumBytes: 1 << 20)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Cancels `request` and returns the error it ended with, expecting it to end at once rather than wait for `what`.
    private static func cancel(_ request: Task<TransportError?, Never>, waitingFor what: String) async -> TransportError? {
        let cancelled = ContinuousClock.now
        request.cancel()
        let error = await request.value
        #expect(ContinuousClock.now - cancelled < .seconds(30), "the cancelled request waited for \(what)")
        return error
    }

    @Test func aRequestCancelledWhileTheServerHoldsItEndsAtOnceAsMaybeSent() async throws {
        let server = try await SilentServer.start()
        let transport = Self.transport()
        let request = Self.request(transport, server.url + "/api/v1/BatchTask/1")
        try await server.requestArrived()
        let error = await Self.cancel(request, waitingFor: "the server")
        #expect(error?.kind == .cancelled)
        #expect(error?.wasSent == true)
        await transport.shutdown()
        await server.stop()
    }

    @Test func aRequestCancelledWhileItWaitsForAConnectionSendsNothing() async throws {
        let server = try await SilentServer.start()
        let transport = Self.transport(connections: 1)
        let url = server.url + "/api/v1/BatchTask/1"
        let holding = Self.request(transport, url)
        // The pool's one connection is busy from here on.
        try await server.requestArrived()
        let waiting = Self.request(transport, url)
        try await Task.sleep(for: .milliseconds(200))
        let error = await Self.cancel(waiting, waitingFor: "the connection")
        #expect(error?.kind == .cancelled)
        #expect(error?.wasSent == false)
        #expect(server.requests == 1, "the cancelled request reached the server")
        holding.cancel()
        _ = await holding.value
        await transport.shutdown()
        await server.stop()
    }

    @Test func aURLIsSplitIntoItsOriginAndTarget() {
        #expect(HTTPTransport.split("http://h:8080/api/v1/BatchTask?$top=5").map { "\($0.origin) \($0.target)" } == "http://h:8080 /api/v1/BatchTask?$top=5")
        #expect(HTTPTransport.split("https://[::1]:443").map { "\($0.origin) \($0.target)" } == "https://[::1]:443 /")
        #expect(HTTPTransport.split("http://h?x=1").map { "\($0.origin) \($0.target)" } == "http://h /?x=1")
        #expect(HTTPTransport.split("no scheme") == nil)
    }
}

/// A server that reads requests and never answers, and tells when one has arrived.
private final class SilentServer: Sendable {
    let url: String
    private let channel: any Channel
    private let arrivals: AsyncStream<Void>
    private let counter: Counter

    private init(url: String, channel: any Channel, arrivals: AsyncStream<Void>, counter: Counter) {
        self.url = url
        self.channel = channel
        self.arrivals = arrivals
        self.counter = counter
    }

    /// Reads so far: each request here is small enough to arrive in one.
    var requests: Int { counter.count.withLock { $0 } }

    static func start() async throws -> SilentServer {
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Listener(arrived: arrived, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        return SilentServer(url: "http://127.0.0.1:\(port)", channel: channel, arrivals: arrivals, counter: counter)
    }

    /// Returns once a request has arrived; throws after two minutes without one.
    func requestArrived() async throws {
        let arrivals = self.arrivals
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in arrivals { return true }
                return false
            }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                return false
            }
            let arrived = try await group.next() ?? false
            group.cancelAll()
            if !arrived { throw CancellationError() }
        }
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Counter: Sendable {
        let count = Mutex(0)
    }

    private final class Listener: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let arrived: AsyncStream<Void>.Continuation
        let counter: Counter

        init(arrived: AsyncStream<Void>.Continuation, counter: Counter) {
            self.arrived = arrived
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            counter.count.withLock { $0 += 1 }
            arrived.yield()
        }
    }
}
