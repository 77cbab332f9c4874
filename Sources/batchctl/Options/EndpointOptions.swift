import APIClient
import ArgumentParser
import Diagnostics
import Emulator
import Foundation
import Logging
import Manifest
import PostgresState
import Reconcile
import Schedule
import State

/// Where the API is, and how to talk to it.
struct EndpointOptions: ParsableArguments {
    static let noEndpoint = "no endpoint: give --endpoint URL (or --endpoint embedded for the built-in emulator), set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml"

    @Option(name: .customLong("endpoint"), help: ArgumentHelp(
        "The API's root URL, or 'embedded' for the emulator inside this process (env BATCHCTL_ENDPOINT; default: the environment's endpoint, else the project's).",
        valueName: "URL|embedded"))
    var endpoint: String?

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds one API request may take (default: the project's timeout, else 30).", valueName: "SECONDS"))
    var timeout: Double?

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("At most this many API requests a second.", valueName: "N"))
    var rateLimit: Double?

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be more than 0") }
        if let rateLimit, rateLimit <= 0 { throw ValidationError("--rate-limit must be more than 0") }
    }

    /// The endpoint the state is bound to: the URL as given, `embedded`, or for a SuperOffice Online tenant signed in
    /// to by the system-user flow, the tenant (`tenant:Cust12345@online.superoffice.com`).
    func name(project: Project) throws -> String {
        let given = try givenEndpoint(project: project)
        if let online = try onlineCredentials(endpoint: given), let binding = OnlineSession.binding(for: online) {
            return binding
        }
        guard let given else {
            throw CommandFailure(Self.noEndpoint)
        }
        return given
    }

    /// The endpoint from --endpoint, BATCHCTL_ENDPOINT or the project file, checked; nil when none names one.
    private func givenEndpoint(project: Project) throws -> String? {
        // An empty BATCHCTL_ENDPOINT counts as unset, as an empty BATCHCTL_STATE does.
        let fromEnvironment = ProcessInfo.processInfo.environment["BATCHCTL_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let name = endpoint ?? fromEnvironment ?? project.endpoint, !name.isEmpty else { return nil }
        // A bad endpoint from the project file is reported where it is written.
        let fromProject = endpoint == nil && fromEnvironment == nil
        let location = fromProject ? project.endpointLocation : nil
        func failure(_ message: String) -> any Error {
            location.map { DiagnosticList([.error($0, message)]) } ?? CommandFailure(message)
        }
        if name == "embedded" { return name }
        let flag = fromProject ? "endpoint" : endpoint != nil ? "--endpoint" : "BATCHCTL_ENDPOINT"
        guard name.hasPrefix("http://") || name.hasPrefix("https://") else {
            // Shown without what may be a password before an `@`.
            throw failure("\(flag) must be an http(s) URL or 'embedded', not '\(Self.withoutCredentials(name))'")
        }
        // The client's one rule for endpoints, applied before anything is bound to this one: the endpoint is written
        // into the state and shown by every command, so a password in it would be kept and printed.
        do {
            try BatchTaskClient.validate(endpoint: name, named: flag)
        } catch {
            throw failure(error.message)
        }
        return name
    }

    /// `scheme://user:password@host/...` with the part before the `@` of the authority left out, for messages.
    static func withoutCredentials(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text.contains("@") ? "(a text with an '@', not shown)" : text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return text }
        return String(text[..<scheme.upperBound]) + "(credentials not shown)@" + String(rest[rest.index(after: at)...])
    }

    /// SuperOffice Online credentials from the environment, refused beside other credentials or the embedded
    /// emulator.
    private func onlineCredentials(endpoint: String?) throws -> OnlineCredentials? {
        let environment = ProcessInfo.processInfo.environment
        guard let online = try OnlineCredentials.fromEnvironment(environment, endpoint: endpoint == "embedded" ? nil : endpoint) else {
            return nil
        }
        if endpoint == "embedded" {
            throw CommandFailure("the embedded emulator takes no SuperOffice Online credentials: unset \(OnlineCredentials.Variable.systemUserToken) and \(OnlineCredentials.Variable.refreshToken), or give --endpoint URL")
        }
        if let other = try Credentials.fromEnvironment(environment) {
            throw CommandFailure("credentials are ambiguous: \(online) and \(other) are both set in the environment; keep one kind")
        }
        return online
    }

    /// Connects, runs `body`, and closes the connection (and any embedded emulator) whatever happens. With
    /// `tenantWait`, a SuperOffice Online tenant must be running before `body` runs (waiting up to that long).
    /// `observeAttempts` hears of every API attempt (the controller's request metrics).
    func withConnection<T>(project: Project, parallelism: Int, tenantWait: Duration? = nil,
                           observeAttempts: (@Sendable (String, Int?) -> Void)? = nil,
                           _ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await connect(project: project, parallelism: parallelism, observeAttempts: observeAttempts)
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
    private func connect(project: Project, parallelism: Int, observeAttempts: (@Sendable (String, Int?) -> Void)?) async throws -> Connection {
        let given = try givenEndpoint(project: project)
        let environment = ProcessInfo.processInfo.environment
        let debug = environment["BATCHCTL_LOG"] == "debug"
        let timeout = Duration.milliseconds(Int64((timeout ?? project.timeout ?? 30) * 1000))
        var embedded: EmbeddedEmulator?
        var session: OnlineSession?
        var configuration: ClientConfiguration
        if let online = try onlineCredentials(endpoint: given) {
            var logger = Logger(label: "batchctl.login") { _ in NoteLogHandler() }
            logger.logLevel = debug ? .debug : .info
            let signIn = OnlineSession(credentials: online, timeout: timeout, logger: logger)
            do {
                try await signIn.signIn()
            } catch {
                await signIn.shutdown()
                throw error
            }
            guard let root = given ?? signIn.endpoint else {
                await signIn.shutdown()
                throw CommandFailure("no endpoint: a refresh token does not say where the tenant's API is; give --endpoint URL, set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml")
            }
            session = signIn
            configuration = ClientConfiguration(baseURL: root)
            configuration.session = signIn
            // SuperOffice Online wants the client secret as SO-AppToken on every call.
            configuration.appToken = signIn.appToken
        } else if given == "embedded" {
            let emulator = try await EmbeddedEmulator.start(databasePath: ".batchctl/embedded.sqlite")
            embedded = emulator
            configuration = ClientConfiguration(baseURL: emulator.baseURL)
            configuration.credentials = .basic(user: emulator.credential.user, password: emulator.credential.password)
        } else {
            guard let given else {
                throw CommandFailure(Self.noEndpoint)
            }
            configuration = ClientConfiguration(baseURL: given)
            configuration.credentials = try Credentials.fromEnvironment(environment)
        }
        if session == nil, let variable = project.appTokenVariable {
            guard let token = environment[variable], !token.isEmpty else {
                await session?.shutdown()
                throw CommandFailure("batchctl.yaml takes the SO-AppToken from \(variable), which is not set")
            }
            try Credentials.checkHeaderValue(token, named: variable)
            configuration.appToken = token
        } else if session == nil, let token = environment[Credentials.Variable.appToken], !token.isEmpty {
            try Credentials.checkHeaderValue(token, named: Credentials.Variable.appToken)
            configuration.appToken = token
        }
        configuration.language = project.language
        configuration.culture = project.culture
        // Always with the offset asked for, so every date read back is an exact instant (api.md v3).
        configuration.timeZone = TimeZoneHeader(zone: project.timeZone.flatMap(SuperOfficeTimeZone.init) ?? .utc, includesOffset: true)
        configuration.timeout = timeout
        configuration.concurrency = parallelism
        configuration.rateLimit = rateLimit
        if debug { configuration.logRequestsToStandardError() }
        configuration.attemptObserver = observeAttempts
        return Connection(client: BatchTaskClient(configuration: configuration), embedded: embedded, session: session)
    }
}

/// An open connection to the API, and the embedded emulator or the Online sign-in behind it if there is one.
struct Connection {
    let client: BatchTaskClient
    let embedded: EmbeddedEmulator?
    let session: OnlineSession?

    func close() async {
        await client.shutdown()
        await embedded?.stop()
        if let session {
            let count = session.signIns
            if count > 1 {
                Terminal.err("note: signed in to \(session.contextIdentifier ?? "SuperOffice Online") \(count) times: the ticket or access token expired during the run\n")
            }
            await session.shutdown()
        }
    }
}

/// `--wait-for-tenant`: how long a run that writes waits for a SuperOffice Online tenant in maintenance.
struct TenantWaitOption: ParsableArguments {
    @Option(name: .customLong("wait-for-tenant"), help: ArgumentHelp(
        "SuperOffice Online: when the tenant is in maintenance, backup or offline, wait this long for it (30s, 10m, 1h; default: do not wait).",
        valueName: "DURATION"))
    var wait: String?

    func validate() throws {
        if let wait, Self.duration(wait) == nil {
            throw ValidationError("--wait-for-tenant must be a duration such as 90s, 10m or 1h, not '\(wait)'")
        }
    }

    var duration: Duration { wait.flatMap(Self.duration) ?? .zero }

    /// `90`, `90s`, `10m`, `1h`: seconds, minutes or hours, up to a day.
    static func duration(_ text: String) -> Duration? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Double(number), value >= 0, value.isFinite, value * scale <= 86_400 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}

/// Where the state lives, and how long to wait for another run's lock on it.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The state file (env BATCHCTL_STATE; default: the project's state, else batchctl.state.json); with --env, the environment's state beside it, batchctl.state.<env>.json.", valueName: "PATH"))
    var location: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's state lock (default 0: fail at once).", valueName: "SECONDS"))
    var lockTimeout: Double = 0

    func validate() throws {
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must not be negative") }
    }

    /// True when `--state` or `BATCHCTL_STATE` names a state, rather than the project's default standing in.
    var isGiven: Bool {
        location != nil || !(ProcessInfo.processInfo.environment["BATCHCTL_STATE"] ?? "").isEmpty
    }

    /// The state of the project's workspace: the location names the default workspace's file, and an environment's
    /// is beside it, named after the environment (`batchctl.state.prod.json`).
    func backend(project: Project, workspace: String? = nil) throws -> any StateBackend {
        let given = location ?? ProcessInfo.processInfo.environment["BATCHCTL_STATE"].flatMap { $0.isEmpty ? nil : $0 }
        return try Self.backend(at: given ?? project.state ?? "batchctl.state.json",
                                workspace: workspace ?? project.environment?.name ?? StateLocation.defaultWorkspace)
    }

    var lockDuration: Duration { .milliseconds(Int64(lockTimeout * 1000)) }

    /// A file path, or a `postgres://` URL (its password from the URL, `BATCHCTL_STATE_PASSWORD` or `PGPASSWORD`).
    static func backend(at location: String, workspace: String) throws -> any StateBackend {
        if PostgresLocation.matches(location) {
            let url = try PostgresLocation(location, environment: ProcessInfo.processInfo.environment)
            return PostgresStateBackend(location: url, workspace: workspace)
        }
        return try StateLocation.backend(for: location, workspace: workspace)
    }

    /// Write access for `operation` to `sets` (nil: every task set), waiting `--lock-timeout` for the lock.
    /// Access that takes the lock; from here on a signal releases it on the way out (`SignalGuard`).
    func write(_ operation: String, sets: [String]? = nil) -> StateSession.Access {
        SignalGuard.install()
        return .write(operation: operation, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)), sets: sets)
    }

    func edit(_ operation: String) -> StateSession.Access {
        SignalGuard.install()
        return .edit(operation: operation, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)))
    }
}

/// `--parallelism`: requests in flight at once, for every command that talks to the API.
struct ParallelismOption: ParsableArguments {
    static let defaultValue = 10

    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the environment's parallelism, else the project's, else 10).")
    var value: Int?

    func validate() throws {
        if let value, !(1...1024).contains(value) { throw ValidationError("--parallelism must be from 1 to 1024") }
    }

    func resolve(_ project: Project) -> Int { value ?? project.parallelism ?? Self.defaultValue }
}

/// A failure already explained to the user: printed as `error: ...`, exit code 1.
struct CommandFailure: UserFacingError, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The sign-in's log on standard error: its news as `note: ...` lines, and with BATCHCTL_LOG=debug its timings.
struct NoteLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.err("\(event.level <= .debug ? "debug" : "note"): \(TerminalText.escape("\(event.message)"))\n")
    }
}
