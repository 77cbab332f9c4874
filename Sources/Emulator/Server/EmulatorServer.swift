import Hummingbird
import Logging
import NIOCore
import Serving
import _CryptoExtras

/// A running emulator: the Batch API over HTTP/1.1 on `host:port`, stored in SQLite. Start it, read its
/// `baseURL`, and stop it when done.
///
/// Where api.md leaves the behaviour open, the emulator does this:
/// - POST queues a job whatever State the body gives; Id and the server-managed properties are ignored, Created is
///   kept when given. The job waits a tenth of `--job-duration` as `New`, runs (`Started`, LastStarted set,
///   StartCount + 1, ProgressPercent rising linearly) and ends `Succeeded` with a Result, or `Failed` half way when the
///   ParameterObject has `"fail": true` (or a reason string) or the fail-rate draw says so.
/// - Jobs advance by stored times, not timers: a read computes the state from the schedule stored with the task, and
///   list queries first write every due transition (`TaskStore.settle`). A job running when the server stops has
///   simply progressed (or ended) by the time it is read again; the duration is fixed per task when it is queued.
/// - PUT binds a whole BatchTaskInfo: State (`Unknown` when absent), Description, Response and Request (absent
///   clears); a merge-patch body leaves absent ones alone; JSON Patch applies add/replace/remove/test to those four.
///   Setting State to `New` queues the job again; any other new State ends the job there. PATCH is 405.
/// - A ParameterObject is stored as a blob in the `binaryobject` table, and DetailsTable (38) and DetailsRecord
///   name it. Only Names matching `JobConfiguration.names` run; other tasks stay `New`.
/// - Stop answers true and fails a task that is New, Aquired or Started unless it is `CannotCancel`; false for any
///   other task.
/// - OData pages hold `$top` rows (`pageSize` without it); `odata.nextLink` repeats the query with `$skip` advanced
///   and is left out on the last page. String filters are case-sensitive. Links name the server's own address,
///   never a request's Host (`ServerOrigin`).
/// - HTTP/1.1 as RFC 9112 asks: a request without one valid Host is answered 400, a request that does not keep
///   the connection alive (HTTP/1.0 by default) has it closed after the answer (`HTTP1RequestGuard`), and a
///   connection idle for `idleTimeoutSeconds` without a whole request is closed.
/// - Dates are stored as UTC instants; requests are read and answers written in `SO-TimeZone`'s zone or the base
///   zone, without an offset unless `includeTZOffset` is asked for; Created is always written in UTC.
/// - A lost answer is produced by closing the connection from the handler's middleware after the change committed,
///   before Hummingbird writes a byte; only 2xx answers are lost.
/// - With a login service configured it is also SuperOffice Online's login host and tenant status service on the
///   same port (`LoginController`, `TenantController`), serves the API under `/<ctx>/api/v1` too, and refuses API
///   calls while the tenant is not running; without one, none of that exists.
public final class EmulatorServer: Sendable {
    /// The address it listens on, with the actual port when port 0 was asked for.
    public let address: ListenAddress
    /// The seed the fault and failure draws came from (the configured one, or the random one chosen).
    public let seed: UInt64

    private let service: ListeningService
    /// Internal so tests can seed large databases without 100,000 HTTP requests.
    let store: TaskStore

    /// `http://127.0.0.1:PORT`: what a client gives as the endpoint (it appends `/api/v1/BatchTask`).
    public var baseURL: String { "http://\(address)" }

    private init(address: ListenAddress, seed: UInt64, service: ListeningService, store: TaskStore) {
        self.address = address
        self.seed = seed
        self.service = service
        self.store = store
    }

    /// Opens the database, binds, and returns once the server accepts connections. With `stopOnSignals`, SIGTERM
    /// and SIGINT shut it down gracefully (in-flight requests finish, idle connections close).
    public static func start(_ configuration: EmulatorConfiguration, stopOnSignals: Bool = false) async throws -> EmulatorServer {
        try await start(configuration, stopOnSignals: stopOnSignals, clock: .system)
    }

    /// With another clock: tests move time by hand to check the job lifecycle exactly.
    static func start(_ configuration: EmulatorConfiguration, stopOnSignals: Bool, clock: EmulatorClock) async throws -> EmulatorServer {
        let problems = configuration.problems
        guard problems.isEmpty else { throw EmulatorError(problems.joined(separator: "; ")) }
        let store: TaskStore
        do {
            store = try TaskStore(path: configuration.databasePath)
        } catch {
            throw EmulatorError("cannot open the database \(configuration.databasePath): \(error)")
        }
        let seed = configuration.faults.seed ?? UInt64.random(in: .min ... .max)
        let origin = ServerOrigin(configuration.listen)
        let responder: RouteNormalizer<RouterResponder<EmulatorRequestContext>>
        do {
            responder = try await makeResponder(configuration, store: store, seed: seed, clock: clock, origin: origin)
        } catch {
            store.close()
            throw error
        }

        let logger = configuration.logger
        // Service start/stop chatter stays out of `--verbose`, which is about requests.
        var lifecycleLogger = logger
        lifecycleLogger.logLevel = max(logger.logLevel, .info)
        do {
            let service = try await ListeningService.start(stopOnSignals: stopOnSignals, logger: lifecycleLogger) { listening in
                Application(
                    responder: responder,
                    server: .guardedHTTP1(
                        ConnectionLimits(idleTimeout: .milliseconds(Int64((configuration.idleTimeoutSeconds * 1000).rounded()))),
                        source: "batchctl serve"),
                    configuration: ApplicationConfiguration(
                        address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "batchctl-emulator"),
                    onServerRunning: { channel in
                        if let port = channel.localAddress?.port { origin.listening(on: port) }
                        await listening(channel.localAddress?.port)
                    },
                    logger: logger)
            }
            return EmulatorServer(
                address: ListenAddress(host: configuration.listen.host, port: service.port), seed: seed, service: service, store: store)
        } catch {
            store.close()
            throw EmulatorError("cannot listen on \(configuration.listen): \(error)")
        }
    }

    static func makeResponder(
        _ configuration: EmulatorConfiguration, store: TaskStore, seed: UInt64, clock: EmulatorClock, origin: ServerOrigin
    ) async throws -> RouteNormalizer<RouterResponder<EmulatorRequestContext>> {
        // Paths match in any case, as ASP.NET's routes do (`/api/v1/batchtask/1/stop`).
        let router = Router(context: EmulatorRequestContext.self, options: .caseInsensitive)
        // Outermost first: logging sees final statuses; errors become API error bodies before logging; faults
        // come before authentication as an overloaded real server's would; auth guards everything below it.
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorMiddleware())
        // The login service and the tenant status sit above faults and authentication: they are another host's
        // services in the real system, and they check their own credentials.
        var loginEndpoints: [Endpoint] = []
        let issued = IssuedCredentials()
        let tenant = TenantStatus()
        if let login = configuration.login {
            loginEndpoints = try await loginService(login, issued: issued, origin: origin).endpoints
                + TenantController(
                    contextIdentifier: login.contextIdentifier, status: tenant, adminKey: login.adminKey, origin: origin).endpoints
            router.add(loginEndpoints)
        }
        if configuration.faults.isActive {
            router.add(middleware: FaultMiddleware(configuration: configuration.faults, random: RandomSource(seed: seed)))
        }
        if configuration.login != nil {
            router.add(middleware: TenantStateMiddleware(status: tenant))
        }
        router.add(
            middleware: AuthMiddleware(
                configuration: configuration.authentication, issued: issued,
                issuedTicketAppToken: configuration.login?.clientSecret))
        // Job failures draw from a stream of their own so enabling a fault does not change which jobs fail.
        let planner = JobPlanner(configuration: configuration.jobs, random: RandomSource(seed: seed ^ 0x6A09_E667_F3BC_C909))
        let service = TaskService(store: store, planner: planner, clock: clock, baseTimeZone: configuration.baseTimeZone)
        let endpoints = BatchTaskController(service: service, pageSize: configuration.pageSize, origin: origin).endpoints
            + BatchAgentController(service: service).endpoints
        router.add(endpoints)
        return RouteNormalizer(
            inner: router.buildResponder(), endpoints: loginEndpoints + endpoints,
            contextIdentifier: configuration.login?.contextIdentifier, tenant: tenant)
    }

    private static func loginService(
        _ login: LoginServiceConfiguration, issued: IssuedCredentials, origin: ServerOrigin
    ) async throws -> LoginController {
        let partnerKey: _RSA.Signing.PublicKey?
        do {
            partnerKey = try login.partnerKeyPEM.map { try _RSA.Signing.PublicKey(pemRepresentation: $0) }
        } catch {
            throw EmulatorError("the partner key is not an RSA public key in PEM (2048 bits or more)")
        }
        let signer = try await LoginSigner.make(privateKeyPEM: login.signingKeyPEM)
        return LoginController(configuration: login, partnerKey: partnerKey, signer: signer, issued: issued, origin: origin)
    }

    /// Shuts down gracefully and closes the database; returns when both are done.
    public func stop() async {
        await service.stop()
        store.close()
    }

    /// Returns when the server has stopped (after a signal, with `stopOnSignals`), closing the database.
    public func waitUntilStopped() async throws {
        defer { store.close() }
        try await service.waitUntilStopped()
    }
}
