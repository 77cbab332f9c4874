import JSON
import NIOCore
import NIOHTTP1

/// On each connection, between NIO's HTTP/1 parser and Hummingbird, where a request's version and its raw header
/// lines are still known: what RFC 9112 asks of a server that neither of them does.
///
/// - An HTTP/1.1 request without a Host, any request with more than one Host line, or a Host that is not
///   `host[:port]`, is answered 400 and the connection closed (RFC 9112 §3.2, `HostHeader`).
final class HTTP1RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests passed on and not yet fully answered.
    private var unanswered = 0
    /// Once set, nothing more is read; it is written as soon as the answers before it are.
    private var refusal: Refusal?

    init() {}

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let problem = HostHeader.problem(head) {
                refuse(.badRequest(problem), context: context)
                return
            }
            unanswered += 1
            context.fireChannelRead(data)
        case .body, .end:
            context.fireChannelRead(data)
        }
    }

    // MARK: Answers

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, let refusal { send(refusal, context: context) }
        }
    }

    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext) {
        guard self.refusal == nil else { return }
        self.refusal = refusal
        if unanswered == 0 { send(refusal, context: context) }
    }

    /// Writes the refusal and closes the sending side. What the client still sends is read and dropped until it
    /// closes too (or the idle timeout does), so that it reads the answer rather than a reset.
    private func send(_ refusal: Refusal, context: ChannelHandlerContext) {
        let body = refusal.body
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

/// A request the connection answers itself, with a fixed body in the API's error shape that repeats nothing the
/// client sent.
struct Refusal: Sendable, Equatable {
    var status: HTTPResponseStatus
    var type: String
    var message: String

    static func badRequest(_ message: String) -> Refusal {
        Refusal(status: .badRequest, type: "SoBadRequestException", message: message)
    }

    var body: [UInt8] {
        var writer = JSONWriter()
        writer.write([
            "Error": true, "ErrorType": .string(type), "ErrorMessage": .string(message), "ErrorSource": "batchctl serve",
        ])
        return writer.bytes
    }
}
