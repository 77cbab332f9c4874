import Logging
import Schedule

/// Everything `batchctl serve` can be told: where to listen, where to store, who may call, how jobs run, and which
/// faults to inject.
public struct EmulatorConfiguration: Sendable {
    public var listen: ListenAddress
    /// A SQLite file (created if missing; its directory must exist), or `:memory:`.
    public var databasePath: String
    public var authentication: AuthenticationConfiguration
    public var jobs: JobConfiguration
    public var faults: FaultConfiguration
    /// The login service of SuperOffice Online and the tenant status; nil serves neither (as before they existed).
    public var login: LoginServiceConfiguration?
    /// Rows in an OData page when a client gives no `$top`.
    public var pageSize: Int
    /// Seconds a connection may sit without a complete request before the server closes it: half a request sent
    /// and no more, or kept alive after an answer with nothing after it.
    public var idleTimeoutSeconds: Double
    /// The server's base time zone (`serve --base-time-zone`): dates of a request without `SO-TimeZone` are read and
    /// written in it. api.md v3, our choice: "a SuperOffice code, id or an IANA name; default `UTC`".
    public var baseTimeZone: SuperOfficeTimeZone
    /// Where the emulator logs (stderr by default); `.info` shows start and stop, `.debug` every request.
    public var logger: Logger

    public init(
        listen: ListenAddress = .loopbackDefault, databasePath: String = ":memory:",
        authentication: AuthenticationConfiguration = AuthenticationConfiguration(), jobs: JobConfiguration = JobConfiguration(),
        faults: FaultConfiguration = FaultConfiguration(), login: LoginServiceConfiguration? = nil, pageSize: Int = 1000,
        idleTimeoutSeconds: Double = Self.defaultIdleTimeoutSeconds, baseTimeZone: SuperOfficeTimeZone = .utc,
        logger: Logger? = nil
    ) {
        self.listen = listen
        self.databasePath = databasePath
        self.authentication = authentication
        self.jobs = jobs
        self.faults = faults
        self.login = login
        self.pageSize = pageSize
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.baseTimeZone = baseTimeZone
        self.logger = logger ?? Self.quietLogger
    }

    /// Our choice: 65 s, past the 60 s batchctl's own client keeps an idle connection for reuse, so the server is not
    /// the one to close a connection just as the client sends on it.
    public static let defaultIdleTimeoutSeconds: Double = 65

    /// Errors and worse on stderr: what an embedded or test server should say.
    public static var quietLogger: Logger {
        var logger = Logger(label: "batchctl.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        return logger
    }

    /// Warnings on stderr, or with `verbose` a line for every request too: what `batchctl serve` says.
    public static func standardErrorLogger(verbose: Bool) -> Logger {
        var logger = Logger(label: "batchctl.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }

    /// The configuration's mistakes, each a sentence for the user; empty when it can be served.
    public var problems: [String] {
        var problems: [String] = []
        // Tickets and access tokens the login service issues are a way in too.
        let loginAdmits = login.map { $0.offersSystemUserFlow || !$0.refreshTokens.isEmpty } ?? false
        if authentication.admitsNobody && !loginAdmits {
            problems.append(
                "authentication is on but no credential is configured: add --user NAME:PASSWORD, --ticket or --token "
                    + "(or BATCHCTL_SERVE_USERS, _TICKETS, _TOKENS), or pass --no-auth")
        }
        if !(jobs.durationSeconds >= 0 && jobs.durationSeconds <= 366 * 86_400) {
            problems.append("the job duration must be between 0 and 31622400 seconds")
        }
        for (name, rate) in [
            ("fail rate", jobs.failRate), ("error rate", faults.errorRate), ("throttle rate", faults.throttleRate),
            ("lost-answer rate", faults.lostAnswerRate),
        ] where !(rate >= 0 && rate <= 1) {
            problems.append("the \(name) must be between 0 and 1")
        }
        if jobs.names.isEmpty || jobs.names.contains(where: \.isEmpty) {
            problems.append("--jobs takes one or more Name globs separated by commas (for example 'import-*,cleanup'); '*' runs every job")
        }
        if faults.latencyMilliseconds < 0 || faults.latencyMilliseconds > 600_000 {
            problems.append("the latency must be between 0 and 600000 ms")
        }
        if faults.retryAfterSeconds < 0 { problems.append("Retry-After must not be negative") }
        if pageSize < 1 { problems.append("the page size must be at least 1") }
        if !(idleTimeoutSeconds > 0 && idleTimeoutSeconds <= 86_400) {
            problems.append("the idle timeout must be more than 0 and at most 86400 seconds")
        }
        problems += login?.problems ?? []
        if databasePath.isEmpty { problems.append("the database path is empty") }
        return problems
    }
}
