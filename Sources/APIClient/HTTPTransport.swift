import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// HTTP/1.1 for the API's requests: one pool of keep-alive connections per origin, each request written with one
/// flush (head, body and end together) and its answer collected whole on the connection's event loop.
///
/// Every failure says whether the request can have reached the server (`TransportError.wasSent`), which is what
/// keeps a create from being sent twice: a request is written only on a connection that is open when the write
/// begins, and a failure before that point (connecting, the TLS handshake, a connection that closed while idle) is
/// reported as not sent.
final class HTTPTransport: Sendable {
    struct Settings: Sendable {
        /// Connections per origin; requests beyond it wait for one to be free.
        var maximumConnections: Int
        var connectTimeout: TimeAmount
        /// A connection nobody used for this long is closed.
        var idleTimeout: TimeAmount = .seconds(60)
    }

    /// One answer, read whole.
    struct Response: Sendable {
        var head: HTTPResponseHead
        var body: ByteBuffer
    }

    private let settings: Settings
    private let group: any EventLoopGroup
    private let pools = Mutex<[String: ConnectionPool]>([:])
    private let isShutDown = Atomic<Bool>(false)

    init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    /// Sends `method url` with `headers` (Host and Content-Length are added) and `body`, and returns the answer. The
    /// answer's head must begin within `timeout` of the write, and each further part of it within `timeout` of the
    /// one before; a body over `maximumBytes` fails the request. Cancelling the calling task closes the connection.
    func execute(
        _ method: HTTPMethod, _ url: String, headers: HTTPHeaders, body: ByteBuffer?, timeout: TimeAmount, maximumBytes: Int
    ) async throws(TransportError) -> Response {
        guard !isShutDown.load(ordering: .acquiring) else { throw TransportError(.shutDown) }
        guard let (origin, target) = Self.split(url) else { throw TransportError(.invalidURL) }
        if let field = headers.first(where: { Self.isForbidden($0.value) || Self.isForbidden($0.name) }) {
            throw TransportError(.invalidHeader(name: Self.isForbidden(field.name) ? nil : field.name))
        }
        let pool = try self.pool(for: origin)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
        head.headers.add(name: "Host", value: pool.authority)
        if let body { head.headers.add(name: "Content-Length", value: String(body.readableBytes)) }
        let exchange = Exchange(head: head, body: body, timeout: timeout, maximumBytes: maximumBytes)
        // A connection that closed while it sat idle took nothing, and another one is tried; a server that closes
        // each new connection at once is left to the caller's retries.
        var tries = 0
        while true {
            tries += 1
            let connection = try await pool.lease()
            do {
                let response = try await connection.send(exchange)
                pool.giveBack(connection, reusable: response.reusable)
                return Response(head: response.head, body: response.body)
            } catch {
                // A request cancelled before its write leaves its connection as it found it.
                pool.giveBack(connection, reusable: error.kind == .cancelled && !error.wasSent)
                if error.kind == .closedBeforeSending, tries <= settings.maximumConnections, !Task.isCancelled { continue }
                throw error
            }
        }
    }

    /// The idle connections this side still holds open, to any origin: a server's close counts once this side has
    /// read it. For tests that wait for a close to arrive.
    func openIdleConnections() -> Int {
        pools.withLock { Array($0.values) }.reduce(0) { $0 + $1.openIdleConnections }
    }

    /// Closes every connection; requests made afterwards fail with `.shutDown`.
    func shutdown() async {
        isShutDown.store(true, ordering: .releasing)
        let all = pools.withLock { pools in
            defer { pools = [:] }
            return Array(pools.values)
        }
        for pool in all { await pool.close() }
    }

    private func pool(for origin: Substring) throws(TransportError) -> ConnectionPool {
        let key = String(origin)
        if let pool = pools.withLock({ $0[key] }) { return pool }
        let url: CheckedURL
        do {
            url = try CheckedURL(key, named: "the URL")
        } catch {
            throw TransportError(.invalidURL)
        }
        let created: ConnectionPool
        do {
            created = try ConnectionPool(url: url, settings: settings, group: group)
        } catch {
            throw TransportError(.connect, underlying: error)
        }
        return pools.withLock { pools in
            if let existing = pools[key] { return existing }
            pools[key] = created
            return created
        }
    }

    /// `scheme://authority` and what follows it (`/` when nothing does).
    static func split(_ url: String) -> (origin: Substring, target: String)? {
        let bytes = url.utf8
        // "://" is ASCII, so byte positions are character positions here.
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8)
        else { return nil }
        let authorityStart = bytes.index(colon, offsetBy: 3)
        let targetStart = bytes[authorityStart...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? bytes.endIndex
        let target = url[targetStart...]
        return (url[..<targetStart], target.isEmpty ? "/" : target.hasPrefix("?") ? "/" + target : String(target))
    }

    /// Whether `text` holds a character no header can carry (control characters are ASCII, so its bytes tell).
    private static func isForbidden(_ text: String) -> Bool {
        text.utf8.contains(where: { Credentials.isForbiddenInHeader(UInt32($0)) })
    }
}

/// Why a request failed, and whether it can have reached the server.
struct TransportError: Error, Sendable {
    enum Kind: Sendable, Equatable {
        /// No connection: the connection attempt or the TLS handshake failed (`underlying` says why).
        case connect
        case connectTimeout
        /// The connection was closed before the request was written: nothing was sent.
        case closedBeforeSending
        case shutDown
        case invalidURL
        /// A header holds a control character; `name` is nil when the name itself does.
        case invalidHeader(name: String?)
        /// The request was written and the connection closed before the whole answer came.
        case closedBeforeAnswer
        /// No answer, or no further part of one, within the timeout.
        case timedOut
        case tooLarge
        case cancelled
        /// The answer could not be read as HTTP, or the connection failed (`underlying` says how).
        case failed
    }

    var kind: Kind
    var underlying: (any Error)?
    /// Set when the failure came after the answer's head, while reading its body.
    var status: HTTPResponseStatus?
    /// Whether any of the request was written to a connection.
    var wasSent: Bool

    init(_ kind: Kind, underlying: (any Error)? = nil, status: HTTPResponseStatus? = nil, wasSent: Bool = false) {
        self.kind = kind
        self.underlying = underlying
        self.status = status
        self.wasSent = wasSent
    }
}

/// One request as its connection writes it.
private struct Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var timeout: TimeAmount
    var maximumBytes: Int
}

/// An answer and whether its connection may carry another request.
private struct Outcome: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
    var reusable: Bool
}

/// The connections to one origin: at most `maximumConnections` open, idle ones reused newest first, callers over the
/// limit waiting in turn.
private final class ConnectionPool: Sendable {
    let authority: String
    private let host: String
    private let port: Int
    private let tls: NIOSSLContext?
    private let serverName: String?
    private let settings: HTTPTransport.Settings
    private let group: any EventLoopGroup

    private struct State {
        var idle: [Connection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var waiterNumber = 0
        var isClosed = false

        /// The longest waiting caller, taken off the queue to be resumed once the lock is released.
        mutating func nextWaiter() -> CheckedContinuation<Void, Never>? {
            waiters.isEmpty ? nil : waiters.removeFirst().continuation
        }
    }

    private let state = Mutex(State())

    init(url: CheckedURL, settings: HTTPTransport.Settings, group: any EventLoopGroup) throws {
        authority = url.authority
        host = url.host.hasPrefix("[") ? String(url.host.dropFirst().dropLast()) : url.host
        if url.scheme == "https" {
            port = url.port ?? 443
            tls = try NIOSSLContext(configuration: .makeClientConfiguration())
            // SNI carries a name, never an address.
            serverName = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        } else {
            port = url.port ?? 80
            tls = nil
            serverName = nil
        }
        self.settings = settings
        self.group = group
    }

    private enum Step {
        case reuse(Connection)
        case connect
        case wait
        case closed
    }

    /// A connection to send one request on: an idle one, a new one, or the next one given back.
    func lease() async throws(TransportError) -> Connection {
        while true {
            let step: Step = state.withLock { state in
                if state.isClosed { return .closed }
                while let connection = state.idle.popLast() {
                    if connection.isOpen { return .reuse(connection) }
                    state.open -= 1
                }
                if state.open < max(1, settings.maximumConnections) {
                    state.open += 1
                    return .connect
                }
                return .wait
            }
            switch step {
            case .closed:
                throw TransportError(.shutDown)
            case .reuse(let connection):
                return connection
            case .connect:
                do {
                    return try await connect()
                } catch {
                    slotFreed()
                    throw error
                }
            case .wait:
                await waitForTurn()
                if Task.isCancelled { throw TransportError(.cancelled) }
            }
        }
    }

    var openIdleConnections: Int {
        state.withLock { state in state.idle.count { $0.isOpen } }
    }

    /// Takes a connection back after a request; one that cannot carry another is closed and its place freed.
    func giveBack(_ connection: Connection, reusable: Bool) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if reusable, !state.isClosed, connection.isOpen {
                state.idle.append(connection)
            } else {
                state.open -= 1
                connection.close()
            }
            return state.nextWaiter()
        }
        waiter?.resume()
    }

    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume() }
        for connection in idle { await connection.closed() }
    }

    private func slotFreed() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.open -= 1
            return state.nextWaiter()
        }
        waiter?.resume()
    }

    /// Returns when a connection was given back or a place freed, or when the task is cancelled.
    private func waitForTurn() async {
        let id = state.withLock { state in
            defer { state.waiterNumber += 1 }
            return state.waiterNumber
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let enqueued = state.withLock { state in
                    // Cancellation is flagged before the handler below runs, so one of the two sees the other.
                    guard !Task.isCancelled, !state.isClosed else { return false }
                    state.waiters.append((id, continuation))
                    return true
                }
                if !enqueued { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }

    private func connect() async throws(TransportError) -> Connection {
        let tls = self.tls
        let serverName = self.serverName
        let idleTimeout = settings.idleTimeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(settings.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = channel.eventLoop.makePromise(of: Void.self)
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    } else {
                        handshake.succeed()
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .fireError)
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler(handshake: handshake, idleTimeout: idleTimeout))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch ChannelError.connectTimeout {
            throw TransportError(.connectTimeout)
        } catch {
            throw TransportError(.connect, underlying: error)
        }
        let connection: Connection
        do {
            connection = try await channel.eventLoop.submit {
                Connection(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: ExchangeHandler.self))
            }.get()
        } catch {
            channel.close(promise: nil)
            throw TransportError(.connect, underlying: error)
        }
        guard tls != nil else { return connection }
        // The TLS handshake is part of connecting: a failure there sent nothing.
        let handshake = connection.handshake.futureResult
        let timer = channel.eventLoop.scheduleTask(in: settings.connectTimeout) {
            connection.handshake.fail(HandshakeTimeout())
        }
        do {
            try await handshake.get()
            timer.cancel()
            return connection
        } catch is HandshakeTimeout {
            channel.close(promise: nil)
            throw TransportError(.connectTimeout)
        } catch {
            timer.cancel()
            channel.close(promise: nil)
            throw TransportError(.connect, underlying: error)
        }
    }
}

private struct HandshakeTimeout: Error {}

/// One open connection and the handler that runs its exchanges.
private final class Connection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ExchangeHandler>
    let handshake: EventLoopPromise<Void>
    private let exchanges = Atomic<Int>(0)

    init(channel: any Channel, handler: ExchangeHandler) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        handshake = handler.handshake
    }

    var isOpen: Bool { channel.isActive }

    func send(_ exchange: Exchange) async throws(TransportError) -> Outcome {
        let promise = channel.eventLoop.makePromise(of: Outcome.self)
        let handler = self.handler
        let eventLoop = channel.eventLoop
        // The cancellation of this exchange and no other: one that comes before the write begins stops the write.
        let number = exchanges.add(1, ordering: .relaxed).newValue
        let result = await withTaskCancellationHandler {
            // A task cancelled while it waited for the connection sends nothing.
            guard !Task.isCancelled else {
                promise.fail(TransportError(.cancelled))
                return Result<Outcome, any Error>.failure(TransportError(.cancelled))
            }
            eventLoop.execute { handler.value.start(exchange, number: number, promise: promise) }
            do {
                return Result<Outcome, any Error>.success(try await promise.futureResult.get())
            } catch {
                return .failure(error)
            }
        } onCancel: {
            eventLoop.execute { handler.value.cancel(number) }
        }
        switch result {
        case .success(let outcome): return outcome
        case .failure(let error as TransportError): throw error
        case .failure(let error): throw TransportError(.failed, underlying: error, wasSent: true)
        }
    }

    func close() {
        channel.close(promise: nil)
    }

    func closed() async {
        try? await channel.close()
    }
}

/// Runs one request at a time on its connection: writes it with one flush, collects the answer, enforces the
/// timeout and the size limit, and closes a connection that stays idle too long.
private final class ExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let handshake: EventLoopPromise<Void>
    private let idleTimeout: TimeAmount
    private var context: ChannelHandlerContext?

    private enum State {
        case idle
        case waiting(promise: EventLoopPromise<Outcome>, exchange: Exchange, head: HTTPResponseHead?, body: ByteBuffer?)
        case closed
    }

    private var state = State.idle
    /// One timer serves both limits: the answer's next part while waiting, the connection's use while idle. Moving
    /// `deadline` later does not reschedule it (it schedules itself again when it fires early), so a request's reads
    /// do not each make a timer.
    private var timer: Scheduled<Void>?
    private var timerFiresAt = NIODeadline.distantFuture
    private var deadline = NIODeadline.distantFuture
    /// The number of the exchange last started, and of one cancelled before its start.
    private var current = 0
    private var cancelledBeforeStart: Int?

    init(handshake: EventLoopPromise<Void>, idleTimeout: TimeAmount) {
        self.handshake = handshake
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        armIdleTimer()
        context.fireChannelActive()
    }

    func start(_ exchange: Exchange, number: Int, promise: EventLoopPromise<Outcome>) {
        if cancelledBeforeStart == number {
            promise.fail(TransportError(.cancelled))
            return
        }
        guard case .idle = state, let context, context.channel.isActive else {
            promise.fail(TransportError(.closedBeforeSending))
            return
        }
        current = number
        state = .waiting(promise: promise, exchange: exchange, head: nil, body: nil)
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        armAnswerTimer(exchange.timeout)
    }

    /// Cancels exchange `number`: the one running, or, when its write has not begun yet, the one about to start.
    func cancel(_ number: Int) {
        if case .waiting = state, current == number {
            finish(.failure(TransportError(.cancelled, wasSent: true)), close: true)
        } else if current < number {
            cancelledBeforeStart = number
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .waiting(let promise, let exchange, var head, var body) = state else { return }
        switch unwrapInboundIn(data) {
        case .head(let answerHead):
            // An interim answer (1xx) is followed by the real one.
            guard answerHead.status.code >= 200 else { return }
            head = answerHead
        case .body(var part):
            if body == nil {
                body = part
            } else {
                body?.writeBuffer(&part)
            }
            if (body?.readableBytes ?? 0) > exchange.maximumBytes {
                finish(.failure(TransportError(.tooLarge, status: head?.status, wasSent: true)), close: true)
                return
            }
        case .end:
            guard let head else { return }
            let outcome = Outcome(head: head, body: body ?? ByteBuffer(), reusable: head.isKeepAlive)
            finish(.success(outcome), close: !outcome.reusable)
            return
        }
        state = .waiting(promise: promise, exchange: exchange, head: head, body: body)
        armAnswerTimer(exchange.timeout)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { handshake.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake.fail(ChannelError.ioOnClosedChannel)
        if case .waiting(_, _, let head, _) = state {
            finish(.failure(TransportError(.closedBeforeAnswer, status: head?.status, wasSent: true)), close: false)
        }
        state = .closed
        timer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        handshake.fail(error)
        if case .waiting(_, _, let head, _) = state {
            finish(.failure(TransportError(.failed, underlying: error, status: head?.status, wasSent: true)), close: true)
        } else {
            state = .closed
            context.close(promise: nil)
        }
    }

    private func finish(_ result: Result<Outcome, TransportError>, close: Bool) {
        guard case .waiting(let promise, _, _, _) = state else { return }
        if close {
            state = .closed
            context?.close(promise: nil)
        } else {
            state = .idle
            armIdleTimer()
        }
        promise.completeWith(result.mapError { $0 as any Error })
    }

    private func armAnswerTimer(_ timeout: TimeAmount) {
        arm(after: timeout)
    }

    private func armIdleTimer() {
        arm(after: idleTimeout)
    }

    private func arm(after amount: TimeAmount) {
        deadline = .now() + amount
        if timer == nil || deadline < timerFiresAt {
            timer?.cancel()
            schedule()
        }
    }

    private func schedule() {
        guard let context else { return }
        timerFiresAt = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            if NIODeadline.now() < deadline {
                schedule()
                return
            }
            switch state {
            case .waiting(_, _, let head, _):
                finish(.failure(TransportError(.timedOut, status: head?.status, wasSent: true)), close: true)
            case .idle:
                state = .closed
                self.context?.close(promise: nil)
            case .closed:
                break
            }
        }
    }
}
