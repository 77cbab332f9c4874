import JSON
import NIOCore
import NIOHTTP1

/// On each connection, between NIO's HTTP/1 parser and Hummingbird, where a request's version and its raw header
/// lines are still known: what RFC 9112 asks of a server that neither of them does.
///
/// - An HTTP/1.1 request without a Host, any request with more than one Host line, or a Host that is not
///   `host[:port]`, is answered 400 and the connection closed (RFC 9112 §3.2, `HostHeader`).
/// - A request that does not keep the connection alive (HTTP/1.0 without `Connection: keep-alive`, or `close` in
///   any case) is answered with `Connection: close` and the connection closed after the answer; an HTTP/1.0
///   request that asks to keep it is answered with `Connection: keep-alive` (RFC 9112 §9.3).
/// - Bytes the parser cannot read as a request head get a short fixed answer and a close: 431 for headers past
///   `HTTPLimits`, 400 for anything else. A parse error inside a body (a chunk size that is not hex) goes on to
///   Hummingbird instead: the handler reading the body fails with it, `ErrorMiddleware` lets it through, and
///   Hummingbird answers 400 with no body and closes.
/// - With a header timeout, a connection whose next request's head has not come that long after it opened or after
///   its previous answer was written is closed: half a request line, or headers sent a byte at a time.
/// - With a `ConnectionRegistry`, the connection is counted against the server's cap, as waiting for a request
///   (and so the first to be closed for a newcomer) until a head comes and again once it is answered.
final class HTTP1RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What an answer tells the client about the connection.
    private enum Persistence {
        case keepAlive
        /// HTTP/1.0 with `Connection: keep-alive`: persistent only if the answer says so.
        case keepAliveHTTP10
        case close
    }

    /// For each request passed on and not yet fully answered, oldest first.
    private var unanswered: [Persistence] = []
    /// The last request's head was passed on and its end has not come yet.
    private var readingBody = false
    /// Once set, nothing more is read; it is written as soon as the answers before it are.
    private var refusal: Refusal?
    private let headerTimeout: Duration?
    /// Runs out when the head awaited now has not come in time.
    private var headDeadline: Scheduled<Void>?
    /// `ErrorSource` of the refusals.
    private let source: String

    private let registry: ConnectionRegistry?
    /// This connection's number in `registry`, once registered.
    private var registered: Int?

    init(headerTimeout: Duration?, source: String, registry: ConnectionRegistry? = nil) {
        self.headerTimeout = headerTimeout
        self.source = source
        self.registry = registry
    }

    // MARK: The header timeout and the cap

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    private func opened(context: ChannelHandlerContext) {
        if let registry, registered == nil { registered = registry.opened(context.channel) }
        awaitHead(context: context)
    }

    private func closed() {
        headDeadline?.cancel()
        headDeadline = nil
        if let registered { registry?.closed(registered) }
        registered = nil
    }

    /// Starts the wait for the next head, unless one runs already.
    private func awaitHead(context: ChannelHandlerContext) {
        if let registered { registry?.setWaiting(registered, true) }
        guard let headerTimeout, headDeadline == nil, refusal == nil else { return }
        let (seconds, attoseconds) = headerTimeout.components
        let amount = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        headDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: amount) { [self] in
            headDeadline = nil
            // Nothing is said: the client did not finish asking, and an answer could be read as one to a request.
            refusal = .unreadable
            context.close(promise: nil)
        }
    }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(var head):
            headDeadline?.cancel()
            headDeadline = nil
            if let registered { registry?.setWaiting(registered, false) }
            if let problem = HostHeader.problem(head) {
                refuse(.badRequest(problem), context: context)
                return
            }
            if !head.isKeepAlive {
                unanswered.append(.close)
                // Hummingbird closes the connection after the answer when Connection is exactly `close`.
                head.headers.replaceOrAdd(name: "Connection", value: "close")
            } else {
                unanswered.append(head.version == .http1_0 ? .keepAliveHTTP10 : .keepAlive)
            }
            readingBody = true
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            context.fireChannelRead(data)
        case .end:
            readingBody = false
            context.fireChannelRead(data)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !readingBody {
            refuse(parseError == .headerOverflow ? .headersTooLarge : .unreadable, context: context)
        } else if !unanswered.isEmpty {
            // The request being read is not answered yet: its handler fails reading the body.
            context.fireErrorCaught(error)
        } else {
            // Answered already, and the rest of its body cannot be read: nothing is left to say.
            refusal = .unreadable
            context.close(promise: nil)
        }
    }

    // MARK: Answers

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            switch unanswered.first {
            case .close?: head.headers.replaceOrAdd(name: "Connection", value: "close")
            case .keepAliveHTTP10?: head.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
            case .keepAlive?, nil: break
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            context.write(data, promise: promise)
            if !unanswered.isEmpty { unanswered.removeFirst() }
            if unanswered.isEmpty, let refusal { send(refusal, context: context) }
            if unanswered.isEmpty, !readingBody { awaitHead(context: context) }
        }
    }

    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext) {
        guard self.refusal == nil else { return }
        self.refusal = refusal
        if unanswered.isEmpty { send(refusal, context: context) }
    }

    /// Writes the refusal and closes the sending side. What the client still sends is read and dropped until it
    /// closes too (or the idle timeout does), so that it reads the answer rather than a reset.
    private func send(_ refusal: Refusal, context: ChannelHandlerContext) {
        let body = refusal.body(source: source)
        let headers = HTTPHeaders([
            ("Content-Type", "application/json; charset=utf-8"), ("Content-Length", String(body.count)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }
}

/// A request the connection answers itself. Our choice: the API's error shape with a fixed message, which repeats
/// nothing the client sent (the 431's ErrorType is ours too; the reference names none).
struct Refusal: Sendable, Equatable {
    var status: HTTPResponseStatus
    var type: String
    var message: String

    static func badRequest(_ message: String) -> Refusal {
        Refusal(status: .badRequest, type: "SoBadRequestException", message: message)
    }

    static let unreadable = badRequest("the request is not HTTP/1.1 as RFC 9112 defines it")

    static let headersTooLarge = Refusal(
        status: .requestHeaderFieldsTooLarge, type: "SoRequestHeadersTooLargeException",
        message: "the request line and headers are larger than \(HTTPLimits.headerBytes) bytes or more than \(HTTPLimits.headerFields) lines")

    func body(source: String) -> [UInt8] {
        var writer = JSONWriter()
        writer.write([
            "Error": true, "ErrorType": .string(type), "ErrorMessage": .string(message), "ErrorSource": .string(source),
        ])
        return writer.bytes
    }
}
