import Hummingbird
import Logging
import NIOCore
import Serving

/// The controller's HTTP side on `--listen`: `/healthz`, `/readyz`, `/metrics`, `/api/status`, the status page at
/// `/`, and `POST /reconcile` (from loopback only). A client cannot hold it: connections are capped, a request's
/// head must come in time, and an idle connection is closed (`ControllerServer.limits`).
public final class ControllerServer: Sendable {
    /// Probes, a scraper and a few browsers need a handful of connections; the cap leaves the rest of the process's
    /// file descriptors to the cycles, a newcomer past it closes the oldest connection that only waits, and a
    /// connection that sends half a request is closed within seconds.
    public static let limits = ConnectionLimits(idleTimeout: .seconds(60), headerTimeout: .seconds(10), maximumConnections: 64)

    private let service: ListeningService

    /// The port it listens on: the one the system chose when port 0 was asked for.
    public var port: Int { service.port }

    private init(service: ListeningService) {
        self.service = service
    }

    /// Binds `host:port` (0: a free port) and returns once connections are accepted.
    public static func start(host: String, port: Int, reconciler: Reconciler, logger: Logger,
                             limits: ConnectionLimits = ControllerServer.limits) async throws -> ControllerServer {
        let router = Router(context: ControllerRequestContext.self)
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in
            switch reconciler.apiReachable {
            case true?: return text("ready: the last cycle reached the API\n")
            case false?: return text("not ready: the API did not answer the last cycle\n", status: .serviceUnavailable)
            case nil: return text("not ready: the API was not reached yet\n", status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: reconciler.metrics.text())))
        }
        router.get("/api/status") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: reconciler.status.json.serializedBytes(pretty: true) + [10])))
        }
        let refresh = max(2, min(Int(reconciler.settings.interval.components.seconds), 30))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: StatusPage.html(reconciler.status, refresh: refresh))))
        }
        router.post("/reconcile") { _, context in
            guard context.fromLoopback else {
                return text("reconcile is taken from this machine only\n", status: .forbidden)
            }
            reconciler.reconcileNow()
            return text("a cycle starts now\n", status: .accepted)
        }

        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        do {
            let service = try await ListeningService.start(logger: quiet) { listening in
                Application(
                    router: router,
                    server: .guardedHTTP1(limits, source: "batchctl controller"),
                    configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "batchctl-controller"),
                    onServerRunning: { channel in await listening(channel.localAddress?.port) },
                    logger: quiet)
            }
            return ControllerServer(service: service)
        } catch {
            throw ControllerFailure("cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Stops taking connections and lets the requests in flight finish.
    public func stop() async {
        await service.stop()
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Hummingbird's request context, with whether the peer is on this machine.
struct ControllerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let fromLoopback: Bool

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        fromLoopback = Self.isLoopback(source.channel.remoteAddress)
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return address?.protocol == .unix }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
