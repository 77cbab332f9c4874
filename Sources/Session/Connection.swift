import APIClient
import Emulator
import Manifest
import Reconcile
import Schedule

/// An open connection to the API, and the embedded emulator or the Online sign-in behind it if there is one.
public struct Connection: Sendable {
    public let client: BatchTaskClient
    public let embedded: EmbeddedEmulator?
    public let session: OnlineSession?
    let reporter: (any SessionReporter)?

    /// Closes the client, stops the emulator, and lets go of the sign-in (reporting a sign-in made more than once).
    public func close() async {
        await client.shutdown()
        await embedded?.stop()
        if let session {
            let count = session.signIns
            if count > 1 { reporter?.signedIn(to: session.contextIdentifier ?? "SuperOffice Online", times: count) }
            await session.shutdown()
        }
    }
}

extension Endpoint {
    /// Connects, runs `body`, and closes the connection (and any embedded emulator) whatever happens. With
    /// `tenantWait`, a SuperOffice Online tenant must be running before `body` runs (waiting up to that long).
    /// `observeAttempts` hears of every API attempt (the controller's request metrics).
    public func withConnection<T>(parallelism: Int, tenantWait: Duration? = nil, reporter: (any SessionReporter)?,
                                  observeAttempts: (@Sendable (String, Int?) -> Void)? = nil,
                                  _ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await connect(parallelism: parallelism, reporter: reporter, observeAttempts: observeAttempts)
        do {
            if let tenantWait, let session = connection.session, session.contextIdentifier != nil {
                try await session.waitForTenant(timeout: tenantWait)
            }
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Connects to the endpoint: the embedded emulator is started here and stopped by `Connection.close()`; a
    /// SuperOffice Online tenant is signed in to here.
    public func connect(parallelism: Int, reporter: (any SessionReporter)?,
                        observeAttempts: (@Sendable (String, Int?) -> Void)? = nil) async throws -> Connection {
        let given = try kind()
        let timeout = Duration.milliseconds(Int64((settings.timeout ?? project.timeout ?? 30) * 1000))
        var embedded: EmbeddedEmulator?
        var session: OnlineSession?
        var configuration: ClientConfiguration
        if let online = try onlineCredentials(for: given) {
            let (signedIn, root) = try await signIn(online, given: given, timeout: timeout)
            session = signedIn
            configuration = ClientConfiguration(baseURL: root)
            configuration.session = signedIn
            // SuperOffice Online wants the client secret as SO-AppToken on every call.
            configuration.appToken = signedIn.appToken
        } else if given == .embedded {
            let emulator = try await EmbeddedEmulator.start(databasePath: ".batchctl/embedded.sqlite")
            embedded = emulator
            configuration = ClientConfiguration(baseURL: emulator.baseURL)
            configuration.credentials = .basic(user: emulator.credential.user, password: emulator.credential.password)
        } else {
            guard case .url(let url) = given else {
                throw SessionError(Self.noEndpoint)
            }
            configuration = ClientConfiguration(baseURL: url)
            configuration.credentials = try Credentials.fromEnvironment(settings.environment)
        }
        if session == nil { try applyAppToken(to: &configuration) }
        configuration.language = project.language
        configuration.culture = project.culture
        // Always with the offset asked for, so every date read back is an exact instant (api.md v3).
        configuration.timeZone = TimeZoneHeader(zone: project.requestTimeZone, includesOffset: true)
        configuration.timeout = timeout
        configuration.concurrency = parallelism
        configuration.rateLimit = settings.rateLimit
        if settings.debug { configuration.logRequestsToStandardError() }
        configuration.attemptObserver = observeAttempts
        return Connection(client: BatchTaskClient(configuration: configuration), embedded: embedded, session: session,
                          reporter: reporter)
    }

    /// Signs in to SuperOffice Online; the tenant's API is `given`, else the one the sign-in names.
    private func signIn(_ online: OnlineCredentials, given: EndpointKind?,
                        timeout: Duration) async throws -> (OnlineSession, root: String) {
        var logger = settings.signInLogger
        logger.logLevel = settings.debug ? .debug : .info
        let signIn = OnlineSession(credentials: online, timeout: timeout, logger: logger)
        do {
            try await signIn.signIn()
        } catch {
            await signIn.shutdown()
            throw error
        }
        guard let root = given?.apiURL ?? signIn.endpoint else {
            await signIn.shutdown()
            throw SessionError("no endpoint: a refresh token does not say where the tenant's API is; give --endpoint URL, set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml")
        }
        return (signIn, root)
    }

    /// The SO-AppToken from the variable the project names, else from `SO_APP_TOKEN`, for a run not signed in.
    private func applyAppToken(to configuration: inout ClientConfiguration) throws {
        let environment = settings.environment
        if let variable = project.appTokenVariable {
            guard let token = environment[variable], !token.isEmpty else {
                throw SessionError("batchctl.yaml takes the SO-AppToken from \(variable), which is not set")
            }
            try Credentials.checkHeaderValue(token, named: variable)
            configuration.appToken = token
        } else if let token = environment[Credentials.Variable.appToken], !token.isEmpty {
            try Credentials.checkHeaderValue(token, named: Credentials.Variable.appToken)
            configuration.appToken = token
        }
    }
}
