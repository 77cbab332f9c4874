import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The controller's HTTP side on `--listen`: `/healthz`, `/readyz`, `/metrics`, `/api/status`, the status page at
/// `/`, and `POST /reconcile` (from loopback only).
public final class ControllerServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.running = running
    }

    /// Binds `host:port` (0: a free port) and returns once connections are accepted.
    public static func start(host: String, port: Int, reconciler: Reconciler, logger: Logger) async throws -> ControllerServer {
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

        let startup = Startup()
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "batchctl-controller"),
            onServerRunning: { channel in await startup.ready(channel.localAddress?.port) },
            logger: quiet)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [], logger: quiet))
        let running = Task {
            do {
                try await group.run()
                await startup.failed(ControllerFailure("the server stopped before it listened"))
            } catch {
                await startup.failed(error)
                throw error
            }
        }
        do {
            return ControllerServer(port: try await startup.port(), group: group, running: running)
        } catch {
            running.cancel()
            throw ControllerFailure("cannot listen on \(host):\(port): \(error)")
        }
    }

    /// Stops taking connections and lets the requests in flight finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
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

/// The port from `onServerRunning`, or the error that ended the server before it got there.
private actor Startup {
    private var outcome: Result<Int, any Error>?
    private var waiting: [CheckedContinuation<Int, any Error>] = []

    func ready(_ port: Int?) {
        resolve(port.map { .success($0) } ?? .failure(ControllerFailure("the listening socket has no port")))
    }

    func failed(_ error: any Error) {
        resolve(.failure(error))
    }

    private func resolve(_ result: Result<Int, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        for continuation in waiting { continuation.resume(with: result) }
        waiting = []
    }

    func port() async throws -> Int {
        if let outcome { return try outcome.get() }
        return try await withCheckedThrowingContinuation { waiting.append($0) }
    }
}
