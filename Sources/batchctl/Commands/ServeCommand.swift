import ArgumentParser
import Emulator
import Foundation
import Schedule

/// `batchctl serve`: run the BatchTask API emulator until SIGTERM or SIGINT.
struct ServeCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the BatchTask API emulator: the Batch endpoints of the SuperOffice Web API, stored in SQLite.",
        discussion: """
            Prints "listening on http://HOST:PORT" on standard output once it accepts connections (with \
            --listen 127.0.0.1:0 the port is a free one), and everything else on standard error. SIGTERM or SIGINT \
            stop it cleanly. Credentials also come from BATCHCTL_SERVE_USERS (comma-separated NAME:PASSWORD), \
            BATCHCTL_SERVE_TICKETS, BATCHCTL_SERVE_TOKENS and BATCHCTL_SERVE_APP_TOKEN, which keep them out of \
            the process list. A job fails on purpose when its ParameterObject has "fail": true (or a reason string). \
            Dates are read and written in the SO-TimeZone header's zone (a SuperOffice code such as NO or US-NY, an \
            id such as 261, an IANA name or an offset; add ", includeTZOffset" for offsets in answers), else in \
            --base-time-zone, without an offset; Created is always UTC. A ParameterObject is stored as a blob: \
            DetailsTable becomes 38 and DetailsRecord its row.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Address to listen on; anything but loopback must be asked for here. Port 0 picks a free port.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8405"

    @Option(help: ArgumentHelp("SQLite database file (created with its directory if missing), or :memory:.", valueName: "PATH"))
    var db = ".batchctl/serve.sqlite"

    @Option(name: .customLong("user"), help: ArgumentHelp("A Basic user (repeatable).", valueName: "NAME:PASSWORD"))
    var users: [String] = []

    @Option(name: .customLong("ticket"), help: ArgumentHelp("An accepted SoTicket (repeatable).", valueName: "TICKET"))
    var tickets: [String] = []

    @Option(name: .customLong("token"), help: ArgumentHelp("An accepted Bearer token (repeatable).", valueName: "TOKEN"))
    var tokens: [String] = []

    @Option(name: .customLong("app-token"), help: ArgumentHelp("Require this SO-AppToken on every request.", valueName: "TOKEN"))
    var appToken: String?

    @Flag(name: .customLong("no-auth"), help: "Accept requests without credentials (says so at start).")
    var noAuth = false

    @Option(name: .customLong("job-duration"), help: ArgumentHelp("How long a job runs; 0 finishes it at once.", valueName: "SECONDS"))
    var jobDuration = 5.0

    @Option(name: .customLong("fail-rate"), help: ArgumentHelp("Share of jobs that end Failed, 0 to 1.", valueName: "R"))
    var failRate = 0.0

    @Option(name: .customLong("jobs"), help: ArgumentHelp("Run only the jobs whose Name matches one of these globs (* and ?, exact case); other tasks stay New.", valueName: "GLOB[,GLOB...]"))
    var jobNames = "*"

    @Option(name: .customLong("base-time-zone"), help: ArgumentHelp("The server's base time zone, for requests without SO-TimeZone: a SuperOffice code (NO, US-NY), id (261), IANA name (Europe/Oslo) or offset (+02:00).", valueName: "ZONE"))
    var baseTimeZone = "UTC"

    @Option(help: ArgumentHelp("Fault: delay added to every answer.", valueName: "MS"))
    var latency = 0

    @Option(name: .customLong("error-rate"), help: ArgumentHelp("Fault: share of requests answered 5xx, unprocessed.", valueName: "R"))
    var errorRate = 0.0

    @Option(name: .customLong("throttle-rate"), help: ArgumentHelp("Fault: share of requests answered 429 with Retry-After, unprocessed.", valueName: "R"))
    var throttleRate = 0.0

    @Option(name: .customLong("retry-after"), help: ArgumentHelp("Fault: the Retry-After of a 429.", valueName: "SECONDS"))
    var retryAfter = 1

    @Option(name: .customLong("lost-answer-rate"), help: ArgumentHelp("Fault: share of requests committed, then closed without an answer.", valueName: "R"))
    var lostAnswerRate = 0.0

    @Option(help: ArgumentHelp("Seed for fault and failure draws, to repeat a run (default: random, printed at start).", valueName: "N"))
    var seed: UInt64?

    @Option(name: .customLong("page-size"), help: ArgumentHelp("Rows in an OData page when the client gives no $top.", valueName: "N"))
    var pageSize = 1000

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close a connection that goes this long without a whole request: half a request, or idle after an answer.", valueName: "SECONDS"))
    var idleTimeout = EmulatorConfiguration.defaultIdleTimeoutSeconds

    @Option(name: .customLong("partner-key"), help: ArgumentHelp("Login service: the partner application's RSA public key (PEM) that checks signed system user tokens.", valueName: "FILE"))
    var partnerKey: String?

    @Option(name: .customLong("client-secret"), help: ArgumentHelp("Login service: the application's client secret (ApplicationToken, client_secret, and the SO-AppToken calls with its tickets must carry). Or BATCHCTL_SERVE_CLIENT_SECRET.", valueName: "SECRET"))
    var clientSecret: String?

    @Option(name: .customLong("system-user-token"), help: ArgumentHelp("Login service: the tenant's system user token for the application. Or BATCHCTL_SERVE_SYSTEM_USER_TOKEN.", valueName: "TOKEN"))
    var systemUserToken: String?

    @Option(name: .customLong("context-identifier"), help: ArgumentHelp("Login service: the tenant's context identifier; the API is also served under /ID/api/v1.", valueName: "ID"))
    var contextIdentifier = "Cust00000"

    @Option(name: .customLong("ticket-lifetime"), help: ArgumentHelp("Login service: how long an issued SoTicket admits calls.", valueName: "SECONDS"))
    var ticketLifetime = 10_800.0

    @Option(name: .customLong("access-token-lifetime"), help: ArgumentHelp("Login service: how long an issued Bearer access token admits calls.", valueName: "SECONDS"))
    var accessTokenLifetime = 3600.0

    @Option(name: .customLong("signing-key"), help: ArgumentHelp("Login service: the RSA private key (PEM) that signs its JWTs (default: a key made at start).", valueName: "FILE"))
    var signingKey: String?

    @Option(name: .customLong("refresh-token"), help: ArgumentHelp("Login service: a refresh token the token endpoint accepts for grant_type=refresh_token with the client secret (repeatable; also BATCHCTL_SERVE_REFRESH_TOKENS, comma-separated).", valueName: "TOKEN"))
    var refreshTokens: [String] = []

    @Option(name: .customLong("admin-key"), help: ArgumentHelp("Serve POST /_emulator/tenant-state ({\"State\": \"OfflineMaintenance\"}) to requests whose X-Emulator-Admin-Key header is this key. Or BATCHCTL_SERVE_ADMIN_KEY.", valueName: "KEY"))
    var adminKey: String?

    @Option(name: .customLong("login-clock-offset"), help: ArgumentHelp("Fault: the login service checks a signed token's time against a clock this many seconds ahead.", valueName: "SECONDS"))
    var loginClockOffset = 0.0

    @Flag(help: "Log every request (method, path, status, time) on standard error.")
    var verbose = false

    func validate() throws {
        guard ListenAddress(parsing: listen) != nil else {
            throw ValidationError("--listen takes HOST:PORT (for example 127.0.0.1:8405 or [::1]:0), not '\(listen)'")
        }
        // The value is a secret: the message does not repeat it.
        if users.contains(where: { BasicCredential(parsing: $0) == nil }) {
            throw ValidationError("--user takes NAME:PASSWORD")
        }
        guard SuperOfficeTimeZone(baseTimeZone) != nil else {
            throw ValidationError(
                "--base-time-zone: '\(baseTimeZone.prefix(60))' is not a known time zone; use a SuperOffice code or id "
                    + "(\(SuperOfficeTimeZone.knownList)), an IANA name such as Europe/Oslo, or an offset such as +02:00")
        }
    }

    func execute() async throws {
        if let chdir = global.chdir, !FileManager.default.changeCurrentDirectoryPath(chdir) {
            throw ValidationError("cannot change to directory '\(chdir)'")
        }
        let configuration = try makeConfiguration()
        let problems = configuration.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        if db != ":memory:" {
            let directory = URL(fileURLWithPath: db).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        let server = try await EmulatorServer.start(configuration, stopOnSignals: true)
        if noAuth {
            Terminal.err("warning: authentication is off (--no-auth): anyone who can reach \(server.address) may read and change every task\n")
        }
        if !configuration.listen.isLoopback {
            Terminal.err("warning: listening on \(server.address), reachable from other machines\n")
        }
        Terminal.err("database: \(db)\n")
        if configuration.faults.isActive || configuration.jobs.failRate > 0 {
            Terminal.err("seed: \(server.seed) (repeat these draws with --seed \(server.seed))\n")
        }
        // Written straight to the descriptor, not buffered: tests and scripts wait for this line.
        Terminal.out("listening on \(server.baseURL)\n")
        try await server.waitUntilStopped()
        Terminal.err("stopped\n")
    }

    /// nil when no login-service flag or variable is given, so such a serve behaves as it always has.
    private func makeLoginConfiguration() throws -> LoginServiceConfiguration? {
        func read(_ path: String?, _ flag: String) throws -> String? {
            guard let path else { return nil }
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ValidationError("\(flag): cannot read \(path): \(error.localizedDescription)")
            }
        }
        var login = LoginServiceConfiguration(
            partnerKeyPEM: try read(partnerKey, "--partner-key"), clientSecret: clientSecret, systemUserToken: systemUserToken,
            contextIdentifier: contextIdentifier, ticketLifetimeSeconds: ticketLifetime, accessTokenLifetimeSeconds: accessTokenLifetime,
            signingKeyPEM: try read(signingKey, "--signing-key"), adminKey: adminKey, refreshTokens: refreshTokens)
        login.addEnvironment(ProcessInfo.processInfo.environment)
        login.clockOffsetSeconds = loginClockOffset
        let asked = login.partnerKeyPEM != nil || login.clientSecret != nil || login.systemUserToken != nil
            || login.signingKeyPEM != nil || login.adminKey != nil || !login.refreshTokens.isEmpty
        return asked ? login : nil
    }

    private func makeConfiguration() throws -> EmulatorConfiguration {
        var authentication = AuthenticationConfiguration(
            isEnabled: !noAuth, users: users.compactMap(BasicCredential.init(parsing:)), tickets: tickets, tokens: tokens,
            appToken: appToken)
        do {
            try authentication.addEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        return EmulatorConfiguration(
            listen: ListenAddress(parsing: listen) ?? .loopbackDefault, databasePath: db, authentication: authentication,
            jobs: JobConfiguration(
                durationSeconds: jobDuration, failRate: failRate,
                names: jobNames.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }),
            faults: FaultConfiguration(
                latencyMilliseconds: latency, errorRate: errorRate, throttleRate: throttleRate, lostAnswerRate: lostAnswerRate,
                retryAfterSeconds: retryAfter, seed: seed),
            login: try makeLoginConfiguration(), pageSize: pageSize, idleTimeoutSeconds: idleTimeout,
            baseTimeZone: SuperOfficeTimeZone(baseTimeZone) ?? .utc, logger: EmulatorConfiguration.standardErrorLogger(verbose: verbose))
    }
}
