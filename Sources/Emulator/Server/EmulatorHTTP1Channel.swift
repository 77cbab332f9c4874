import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The limits on a request's head, past which it is answered 431 (`HTTP1RequestGuard`).
enum HTTPLimits {
    /// Our choice: Kestrel's defaults, what an ASP.NET server takes: 32 KiB of header lines, 100 of them.
    static let headerBytes = 32 * 1024
    static let headerFields = 100
}

/// Hummingbird's HTTP/1 child channel with `HTTP1RequestGuard` between NIO's parser and the conversion to HTTP
/// types, where a request's version and raw Host lines are still known, the header limits of `HTTPLimits`, and an
/// idle timeout. Otherwise the pipeline is the one Hummingbird's `HTTP1Channel` sets up.
struct EmulatorHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    /// How long a connection may go without a request part while no answer is being made: half a request sent and
    /// then nothing, or kept alive after an answer and then nothing. Then it is closed.
    let idleTimeout: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = HTTPLimits.headerBytes
            limits.maxHeaderListSize = HTTPLimits.headerBytes
            limits.maxHeaderFieldCount = HTTPLimits.headerFields
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1RequestGuard())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// The emulator's HTTP/1 server, for `Application(server:)`.
    static func emulatorHTTP1(idleTimeout: Duration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in EmulatorHTTP1Channel(responder: responder, idleTimeout: idleTimeout) }
    }
}
