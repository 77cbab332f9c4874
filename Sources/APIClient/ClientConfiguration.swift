import Logging
import Schedule

/// Everything a `BatchTaskClient` needs: where the API is, who calls, which headers go along, and how hard to push.
public struct ClientConfiguration: Sendable {
    /// The installation root (`https://online.example.com/Cust12345`); the client appends `/api/v1/BatchTask`.
    /// A trailing slash or an `/api/v1` suffix is tolerated.
    public var baseURL: String
    public var credentials: Credentials?
    /// A SuperOffice Online sign-in, instead of `credentials`: the client takes its Authorization header from it and
    /// signs in again when a call gets 401.
    public var session: OnlineSession?
    /// Sent as `SO-AppToken` when set.
    public var appToken: String?
    /// Sent as both `Accept-Language` and `SO-Language` (which overrides it on the server).
    public var language: String?
    /// `SO-Culture`.
    public var culture: String?
    /// `SO-TimeZone`: by default `UTC, includeTZOffset`, so every date the server writes carries its offset (api.md
    /// v3); a date written without one all the same is read in this zone (Created in UTC, as the server keeps it).
    public var timeZone: TimeZoneHeader
    /// Per attempt, from sending until the whole answer is read.
    public var timeout: Duration
    /// Connections to the server, and so requests in flight at once: the executor's `--parallelism`.
    public var concurrency: Int
    /// Requests per second across the whole client, retries included; nil for no limit.
    public var rateLimit: Double?
    public var retry: RetryPolicy
    /// One debug line per attempt (method, path, status, time); never a header or a credential.
    public var logger: Logger
    /// Told of every attempt once it settles: the method, and the status code, or nil when no answer came.
    public var attemptObserver: (@Sendable (_ method: String, _ status: Int?) -> Void)?

    public init(
        baseURL: String, credentials: Credentials? = nil, appToken: String? = nil, language: String? = nil,
        culture: String? = nil, timeZone: TimeZoneHeader = .standard, timeout: Duration = .seconds(30), concurrency: Int = 10,
        rateLimit: Double? = nil, retry: RetryPolicy = RetryPolicy(), logger: Logger? = nil
    ) {
        self.baseURL = baseURL
        self.credentials = credentials
        self.appToken = appToken
        self.language = language
        self.culture = culture
        self.timeZone = timeZone
        self.timeout = timeout
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.retry = retry
        self.logger = logger ?? Logger(label: "batchctl.api")
    }

    /// Writes the request log (one line per attempt) to standard error.
    public mutating func logRequestsToStandardError() {
        var logger = Logger(label: "batchctl.api") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .debug
        self.logger = logger
    }

    /// Sets `credentials` from the environment (see `Credentials.fromEnvironment(_:)`) and `appToken` from
    /// `BATCHCTL_APP_TOKEN` when that is set and not empty.
    public mutating func readEnvironment(_ environment: [String: String]) throws(ClientError) {
        credentials = try Credentials.fromEnvironment(environment)
        if let token = environment[Credentials.Variable.appToken], !token.isEmpty {
            try Credentials.checkHeaderValue(token, named: Credentials.Variable.appToken)
            appToken = token
        }
    }

    /// The configuration's first mistake as a `.configuration` error; the client reports the same from every call,
    /// so checking early only moves the message to where the user can act on it.
    public func validate() throws(ClientError) {
        _ = try Endpoint(baseURL)
        if credentials != nil && session != nil {
            throw .configuration("credentials and a SuperOffice Online sign-in are both given; keep one")
        }
        guard concurrency >= 1 else { throw .configuration("the concurrency (parallelism) must be at least 1") }
        guard timeout > .zero else { throw .configuration("the timeout must be positive") }
        if let rateLimit, !(rateLimit > 0 && rateLimit.isFinite) {
            throw .configuration("the rate limit must be a positive number of requests per second")
        }
        guard retry.maxAttempts >= 1 else { throw .configuration("retries: at least one attempt is needed") }
        guard retry.baseDelay >= .zero, retry.maxDelay >= .zero, retry.maxRetryAfter >= .zero else {
            throw .configuration("retries: delays must not be negative")
        }
        let headers: [(String, String?)] = [
            ("the app token", appToken), ("the language", language), ("the culture", culture),
            ("the credentials", credentials?.authorizationHeader),
        ]
        for (name, value) in headers {
            // A line break in a header value would let it smuggle further headers; the transport refuses every
            // control character but a tab, and this says which setting holds one.
            if let value { try Credentials.checkHeaderValue(value, named: name) }
        }
    }
}
