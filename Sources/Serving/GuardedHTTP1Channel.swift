import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The limits on a request's head, past which it is answered 431 (`HTTP1RequestGuard`).
public enum HTTPLimits {
    /// Our choice: Kestrel's defaults, what an ASP.NET server takes: 32 KiB of header lines, 100 of them.
    public static let headerBytes = 32 * 1024
    public static let headerFields = 100
}

/// How long a connection may keep the server waiting, and how many it may hold open: what a client that sends half
/// a request, or opens many connections and sends nothing, can cost a server that serves HTTP/1.
public struct ConnectionLimits: Sendable {
    /// How long a connection may go without a request part while no answer is being made: kept alive after an
    /// answer and then nothing, or a body that stalls. Then it is closed.
    public var idleTimeout: Duration
    /// How long a request's line and headers may take to arrive, counted from when the connection opens or its
    /// previous answer was written; nil for no limit beyond the idle timeout. Then the connection is closed.
    public var headerTimeout: Duration?
    /// Connections open at once; a new one past it closes the oldest that waits for a request (see
    /// `ConnectionRegistry`). Nil for no limit.
    public var maximumConnections: Int?

    public init(idleTimeout: Duration, headerTimeout: Duration? = nil, maximumConnections: Int? = nil) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.maximumConnections = maximumConnections
    }
}

/// Hummingbird's HTTP/1 child channel with `HTTP1RequestGuard` between NIO's parser and the conversion to HTTP
/// types, where a request's version and raw Host lines are still known, the header limits of `HTTPLimits`, a header
/// timeout, an idle timeout and a connection cap (`ConnectionLimits`). Otherwise the pipeline is the one
/// Hummingbird's `HTTP1Channel` sets up.
public struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    public typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    public let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    /// Named as the `ErrorSource` of the answers the guard makes itself.
    let source: String
    /// The server's connections, when they are capped.
    let registry: ConnectionRegistry?

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = HTTPLimits.headerBytes
            decoderLimits.maxHeaderListSize = HTTPLimits.headerBytes
            decoderLimits.maxHeaderFieldCount = HTTPLimits.headerFields
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
            try pipeline.addHandler(HTTP1RequestGuard(headerTimeout: limits.headerTimeout, source: source, registry: registry))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: limits.idleTimeout, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// An HTTP/1 server with `GuardedHTTP1Channel`, for `Application(server:)`; `source` names the server in the
    /// answers the guard makes itself.
    public static func guardedHTTP1(_ limits: ConnectionLimits, source: String) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(responder: responder, limits: limits, source: source,
                                registry: limits.maximumConnections.map { ConnectionRegistry(maximum: $0) })
        }
    }
}
