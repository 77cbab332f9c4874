import APIClient
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The client CPU one create costs, against a `batchctl serve` in another process so that getrusage counts the client
/// alone: the same POST body through bare AsyncHTTPClient, through bare SwiftNIO (one connection per worker, head and
/// body in one flush, nothing else), and through `BatchTaskClient.create`, at the same concurrency.
struct PostCPU {
    var port = 0
    var requests = 16_000
    var concurrency = 32

    private static let body = Array(
        #"{"Name":"post-cpu","Description":"d","Context":"c","IsSystemTask":true,"ParameterObject":{"region":"eu","shard":"1"},"DatabaseSerialNumber":"1","CancellationBehaviour":"CanCancel"}"#.utf8)

    func run() async throws -> String {
        let host = "127.0.0.1"
        let perWorker = max(1, requests / concurrency)
        let url = "http://\(host):\(port)/api/v1/BatchTask"

        var settings = HTTPClient.Configuration()
        settings.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        settings.tracing.tracer = nil
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Accept", "application/json")])
        let viaAsyncHTTPClient: @Sendable (Int) async throws -> Void = { _ in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers = headers
            request.body = .bytes(ByteBuffer(bytes: Self.body))
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
        }

        var channels: [any Channel] = []
        for _ in 0..<concurrency {
            channels.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(AnswerCollector())
                }
            }.connect(host: host, port: port).get())
        }
        let connections = channels
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/api/v1/BatchTask",
            headers: HTTPHeaders([("Host", "\(host):\(port)"), ("Content-Type", "application/json"), ("Accept", "application/json"),
                                  ("Content-Length", "\(Self.body.count)")]))
        let viaSwiftNIO: @Sendable (Int) async throws -> Void = { worker in
            let channel = connections[worker]
            let promise = channel.eventLoop.makePromise(of: Void.self)
            channel.eventLoop.execute {
                do {
                    try channel.pipeline.syncOperations.handler(type: AnswerCollector.self).pending = promise
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: Self.body))), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                } catch {
                    promise.fail(error)
                }
            }
            try await promise.futureResult.get()
        }

        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: "http://\(host):\(port)", concurrency: concurrency))
        let viaBatchTaskClient: @Sendable (Int) async throws -> Void = { _ in _ = try await client.create(json: Self.body) }

        var lines: [String] = []
        do {
            for (name, send) in [("bare AsyncHTTPClient", viaAsyncHTTPClient), ("bare SwiftNIO", viaSwiftNIO), ("BatchTaskClient", viaBatchTaskClient)] {
                _ = try await measure(perWorker: perWorker, send)  // warm-up
                lines.append("\(name): " + (try await measure(perWorker: perWorker, send)))
            }
        } catch {
            await client.shutdown()
            try? await http.shutdown()
            throw error
        }
        await client.shutdown()
        try await http.shutdown()
        for channel in channels { try? await channel.close() }
        return "POST at concurrency \(concurrency), \(perWorker * concurrency) requests each:\n" + lines.joined(separator: "\n")
    }

    private func measure(perWorker: Int, _ send: @escaping @Sendable (Int) async throws -> Void) async throws -> String {
        let cpuBefore = Self.cpuSeconds()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask { for _ in 0..<perWorker { try await send(worker) } }
            }
            try await group.waitForAll()
        }
        let count = Double(perWorker * concurrency)
        let rate = count / seconds(ContinuousClock.now - start)
        let cpu = (Self.cpuSeconds() - cpuBefore) / count * 1e6
        return "\(Int(rate)) req/s, client CPU \(Int(cpu)) us per request"
    }

    /// User and system CPU of this process so far.
    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Completes the pending promise when an answer has been read whole.
private final class AnswerCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    var pending: EventLoopPromise<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            let promise = pending
            pending = nil
            promise?.succeed()
        }
    }
}
