import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Sends one API request through the rate limit and the retry loop, and decides after every attempt whether it
/// is done, may be tried again, or must stop, from the answer or from how the connection failed.
///
/// The rule that keeps creates from being duplicated: a request may be sent again only when it surely was not
/// processed, or when processing it twice changes nothing (GET, PUT, DELETE, Stop). A create (POST) is sent again
/// only after 429, 408, a 503 that carries Retry-After, or a failure before the request reached a connection;
/// anything else that leaves its fate open is `.outcomeUnknown`.
final class RequestSender: Sendable {
    /// Whether a request may be repeated once its answer is lost.
    enum Repeatability: Sendable {
        case idempotent
        /// POST /BatchTask: repeating it can make a second task.
        case create
    }

    /// A complete answer.
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// Enough for `GET /BatchTask/All` on a database of a few hundred thousand tasks.
    static let maximumAnswerBytes = 256 << 20

    /// Where the API is: fixed, unless a SuperOffice Online tenant moves (a 421 answer).
    var endpoint: Endpoint { currentEndpoint.withLock { $0 } }
    private let currentEndpoint: Mutex<Endpoint>
    /// The roots a moved tenant was served from before, for requests made before it moved.
    private let formerRoots = Mutex<[String]>([])
    let redactor: Redactor
    /// The SuperOffice Online sign-in the Authorization header comes from, when there is one.
    private let session: OnlineSession?
    private let http: HTTPTransport
    /// Built once and copied into each request; the copy is cheap (copy-on-write) and never modified.
    private let plainHeaders: HTTPHeaders
    private let jsonBodyHeaders: HTTPHeaders
    private let timeout: TimeAmount
    private let retry: RetryPolicy
    private let limiter: RateLimiter?
    private let logger: Logger
    private let attemptObserver: (@Sendable (String, Int?) -> Void)?

    init(http: HTTPTransport, endpoint: Endpoint, configuration: ClientConfiguration) {
        self.http = http
        currentEndpoint = Mutex(endpoint)
        session = configuration.session
        redactor = Redactor(credentials: configuration.credentials, appToken: configuration.appToken, session: configuration.session)
        timeout = Self.timeAmount(configuration.timeout)
        retry = configuration.retry
        limiter = configuration.rateLimit.map { RateLimiter(requestsPerSecond: $0) }
        logger = configuration.logger
        attemptObserver = configuration.attemptObserver

        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "batchctl")
        headers.add(name: "Accept", value: "application/json")
        if let credentials = configuration.credentials { headers.add(name: "Authorization", value: credentials.authorizationHeader) }
        if let appToken = configuration.appToken { headers.add(name: "SO-AppToken", value: appToken) }
        if let language = configuration.language {
            headers.add(name: "Accept-Language", value: language)
            headers.add(name: "SO-Language", value: language)
        }
        if let culture = configuration.culture { headers.add(name: "SO-Culture", value: culture) }
        headers.add(name: "SO-TimeZone", value: configuration.timeZone.description)
        plainHeaders = headers
        headers.add(name: "Content-Type", value: "application/json")
        jsonBodyHeaders = headers
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? Int64.max : nanoseconds &+ attoseconds / 1_000_000_000)
    }

    // MARK: Sending

    /// Sends until an attempt settles it. Returns 2xx answers, and 404 when `notFoundIsAnswer`; any other status
    /// throws `.http` (or `.outcomeUnknown` for a create, see above).
    func send(
        _ method: HTTPMethod, _ url: String, body: ByteBuffer? = nil, _ repeatability: Repeatability,
        notFoundIsAnswer: Bool = false
    ) async throws(ClientError) -> Answer {
        var request = Request(method: method, url: url, headers: body == nil ? plainHeaders : jsonBodyHeaders, body: body)
        let attempts = max(1, retry.maxAttempts)
        var attempt = 0
        var online = OnlineRetries()
        while true {
            attempt += 1
            if let limiter {
                do {
                    try await limiter.acquire()
                } catch {
                    throw .transport("cancelled before the request was sent")
                }
            }
            var generation = 0
            if let session {
                request.url = onCurrentEndpoint(request.url)
                let authorization = try await session.authorization()
                request.headers.replaceOrAdd(name: "Authorization", value: authorization.header)
                generation = authorization.generation
            }
            let started = ContinuousClock.now
            let result = await perform(request)
            observe(result, of: request)
            if case .success(let answer) = result,
               try await online.sendsAgain(answer, generation: generation, sent: started, attempt: attempt, request: &request, sender: self) {
                attempt -= 1  // not processed, and not the server's fault: the retry is not counted
                continue
            }
            let verdict: Verdict
            switch result {
            case .success(let answer): verdict = judge(answer, repeatability, notFoundIsAnswer: notFoundIsAnswer)
            case .failure(let failure): verdict = judge(failure, repeatability)
            }
            switch verdict {
            case .done(let answer):
                log(request, attempt, started, "\(answer.status.code)")
                return answer
            case .fail(let error, let summary):
                log(request, attempt, started, summary)
                throw error
            case .retry(let summary, let retryAfter, let otherwise):
                guard attempt < attempts, !Task.isCancelled else {
                    log(request, attempt, started, summary + (attempt < attempts ? "; cancelled" : "; no attempts left"))
                    throw otherwise
                }
                let delay = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
                log(request, attempt, started, summary + "; retrying in \(Self.text(delay))")
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .transport("cancelled while waiting to retry after: \(summary)")
                }
            }
        }
    }

    /// One request as the retry loop sends it: the URL changes when a tenant moves, the Authorization header when
    /// its session signs in again.
    struct Request {
        var method: HTTPMethod
        var url: String
        var headers: HTTPHeaders
        var body: ByteBuffer?
    }

    /// Tells the attempt observer (the controller's request metrics) of one attempt's status, or of none.
    private func observe(_ result: Result<Answer, TransportError>, of request: Request) {
        guard let attemptObserver else { return }
        switch result {
        case .success(let answer): attemptObserver(request.method.rawValue, Int(answer.status.code))
        case .failure(let failure): attemptObserver(request.method.rawValue, failure.status.map { Int($0.code) })
        }
    }

    /// What a SuperOffice Online run does with the answers that speak of the sign-in or the tenant rather than of the
    /// request: 401 (sign in again, once per request, and retry: a 401 was never processed, so even a create is
    /// sent again), 421 (the tenant moved: look up its API root and retry there) and 503 (stop when the tenant is
    /// not running).
    private struct OnlineRetries {
        var renewedTo: Int?
        var relocations = 0
        var lastAction = ""
        /// A run is not meant to sign in without end: a server that refuses every ticket is reported.
        static let maximumRenewals = 3
        /// Retries of one request for the sign-in's or the tenant's sake, all reasons together.
        static let maximumHandled = 10

        private var renewals = 0
        private var handled = 0

        /// With a SuperOffice Online session, whether `answer` (to the attempt sent at `sent`) means the request is
        /// to be sent again now, each logged; throws, logged, when the run cannot go on. Without one, false.
        mutating func sendsAgain(_ answer: Answer, generation: Int, sent: ContinuousClock.Instant, attempt: Int,
                                 request: inout Request, sender: RequestSender) async throws(ClientError) -> Bool {
            guard let session = sender.session else { return false }
            let original = request
            let again: Bool
            do {
                again = try await handle(answer.status, session: session, generation: generation, sent: sent, request: &request, sender: sender)
            } catch {
                sender.log(original, attempt, sent, "\(answer.status.code); \(error.description)")
                throw error
            }
            if again { sender.log(original, attempt, sent, "\(answer.status.code); " + lastAction) }
            return again
        }

        /// True when the request should be sent again now; throws when the run cannot go on.
        mutating func handle(_ status: HTTPResponseStatus, session: OnlineSession, generation: Int, sent: ContinuousClock.Instant,
                             request: inout Request, sender: RequestSender) async throws(ClientError) -> Bool {
            guard [401, 421, 503].contains(status.code) else { return false }
            handled += 1
            guard handled <= Self.maximumHandled else {
                throw .http(status: Int(status.code), errorType: nil,
                            message: "the API kept answering \(status.code) \(status.reasonPhrase) after \(Self.maximumHandled) sign-ins and lookups")
            }
            switch status.code {
            case 401:
                if session.generation > generation {
                    lastAction = "another request has signed in since: retrying"
                    return true
                }
                guard renewedTo != generation, renewals < Self.maximumRenewals else {
                    throw session.refusal("401 \(status.reasonPhrase)")
                }
                renewals += 1
                renewedTo = try await session.renew(after: generation).generation
                lastAction = "signed in again: retrying"
                return true
            case 421:
                guard relocations < 2 else {
                    throw .http(status: 421, errorType: nil, message: "the API keeps answering 421 Misdirected Request after the tenant was looked up")
                }
                relocations += 1
                let moved = try Endpoint(try await session.relocated())
                sender.move(to: moved)
                request.url = sender.onCurrentEndpoint(request.url)
                lastAction = "the tenant is served elsewhere now: retrying at \(moved.root)"
                return true
            case 503:
                if let stopped = await session.tenantStopped(since: sent) { throw stopped }
                return false
            default:
                return false
            }
        }
    }

    /// Serves the tenant's API from `endpoint` from now on.
    private func move(to endpoint: Endpoint) {
        currentEndpoint.withLock { current in
            guard current.root != endpoint.root else { return }
            formerRoots.withLock { $0.append(current.root) }
            current = endpoint
        }
    }

    /// `url` moved to the current endpoint when it was made for one the tenant has left.
    private func onCurrentEndpoint(_ url: String) -> String {
        let former = formerRoots.withLock { $0 }
        guard !former.isEmpty else { return url }
        let root = endpoint.root
        for old in former.reversed() where url.hasPrefix(old) && !url.hasPrefix(root) {
            return root + url.dropFirst(old.count)
        }
        return url
    }

    private func perform(_ request: Request) async -> Result<Answer, TransportError> {
        do throws(TransportError) {
            let response = try await http.execute(
                request.method, request.url, headers: request.headers, body: request.body, timeout: timeout,
                maximumBytes: Self.maximumAnswerBytes)
            return .success(Answer(status: response.head.status, headers: response.head.headers, body: response.body))
        } catch {
            return .failure(error)
        }
    }

    // MARK: Deciding

    private enum Verdict {
        case done(Answer)
        /// `summary` is the log line's outcome.
        case fail(ClientError, summary: String)
        /// Try again after the policy's delay (or `retryAfter`); `otherwise` is thrown when no attempts remain.
        case retry(summary: String, retryAfter: Duration?, otherwise: ClientError)
    }

    private func judge(_ answer: Answer, _ repeatability: Repeatability, notFoundIsAnswer: Bool) -> Verdict {
        let code = Int(answer.status.code)
        if (200..<300).contains(code) || (code == 404 && notFoundIsAnswer) { return .done(answer) }
        let error = ResponseDecoder.httpError(answer.status, headers: answer.headers, body: answer.body, redactor: redactor)
        let retryAfter = RetryPolicy.retryAfter(answer.headers.first(name: "Retry-After"))
        let summary = "\(code)" + (retryAfter.map { " (Retry-After \(Self.text($0)))" } ?? "")
        switch (code, repeatability) {
        case (408, _), (429, _):
            // The server refused before doing anything (429) or never got the whole request (408).
            return .retry(summary: summary, retryAfter: retryAfter, otherwise: error)
        case (503, .create) where retryAfter != nil:
            // An overloaded server that says when to come back has turned the request away unprocessed.
            return .retry(summary: summary, retryAfter: retryAfter, otherwise: error)
        case (501, .create), (505, .create):
            return .fail(error, summary: summary)
        case (500..<600, .create):
            // A real server may fail after its commit: an exception while writing the answer (500), a gateway
            // that gave up on a backend that went on to finish (502, 504), a 503 from a proxy in front of a
            // server that had the request. Reporting that as a plain failure would make the next run create the
            // task a second time, so the caller must look on the server first. The emulator's injected faults
            // are never processed; a real server gives no such promise.
            let message = "\(error.description); the server may have made the task before failing"
            return .fail(.outcomeUnknown(message), summary: summary + ", outcome unknown")
        case (500, .idempotent), (502, .idempotent), (503, .idempotent), (504, .idempotent):
            return .retry(summary: summary, retryAfter: retryAfter, otherwise: error)
        default:
            return .fail(error, summary: summary)
        }
    }

    private func judge(_ failure: TransportError, _ repeatability: Repeatability) -> Verdict {
        let description = redactor(describe(failure))
        switch Self.delivery(of: failure) {
        case .unusable(let error):
            return .fail(error, summary: description)
        case .notSent:
            return .retry(summary: description, retryAfter: nil, otherwise: .transport(description))
        case .maybeProcessed where repeatability == .create:
            let message = "\(description); the server may have made the task"
            return .fail(.outcomeUnknown(message), summary: description + ", outcome unknown")
        case .maybeProcessed:
            return .retry(summary: description, retryAfter: nil, otherwise: .transport(description))
        }
    }

    /// What a failed attempt says about whether the server got the request.
    enum Delivery {
        /// Failed before the request was written to a connection: nothing reached the server.
        case notSent
        /// The request was (or may have been) written: the server may have processed it.
        case maybeProcessed
        /// Sending again cannot help.
        case unusable(ClientError)
    }

    /// The transport writes a request only on a connection that is open, so a failure to connect (refused,
    /// unreachable, a DNS or TLS handshake failure, the connect timeout) sent nothing. Everything that happens once
    /// the request is written (the connection closed, a reset, the timeout) leaves its fate open; so does a
    /// cancellation, which may come at any moment.
    static func delivery(of failure: TransportError) -> Delivery {
        switch failure.kind {
        case .shutDown:
            return .unusable(.configuration("the API client has been shut down"))
        case .invalidURL:
            return .unusable(.configuration("the request cannot be sent: its URL is not an http(s) URL"))
        case .invalidHeader:
            // The header's value may be a credential, so only its name is told; sending again would fail the same way.
            return .unusable(.configuration("the request cannot be sent: a header holds a control character"))
        case .tooLarge:
            // Sending again would bring the same answer.
            return .unusable(.invalidResponse("the answer is larger than \(maximumAnswerBytes >> 20) MiB"))
        case .connect, .connectTimeout, .closedBeforeSending:
            return .notSent
        case .cancelled, .closedBeforeAnswer, .timedOut, .failed:
            return failure.wasSent || failure.status != nil ? .maybeProcessed : .notSent
        }
    }

    private func describe(_ failure: TransportError) -> String {
        switch failure.kind {
        case .closedBeforeAnswer: return "the server closed the connection without answering"
        case .timedOut: return "no answer within \(Self.text(timeout))"
        case .connectTimeout: return "connecting to \(endpoint.origin) timed out"
        case .closedBeforeSending: return "the connection to \(endpoint.origin) closed before the request was written"
        case .cancelled: return "cancelled"
        case .shutDown: return "the API client has been shut down"
        case .invalidURL: return "the URL is not an http(s) URL"
        case .invalidHeader(let name): return "the header \(name ?? "name") holds a control character"
        case .tooLarge: return "the answer is larger than \(Self.maximumAnswerBytes >> 20) MiB"
        case .connect, .failed: break
        }
        switch failure.underlying {
        case let error as NIOConnectionError:
            let reasons = error.connectionErrors.map { "\($0.error)" }
            let dns = (error.dnsAError ?? error.dnsAAAAError).map { "cannot resolve the host name (\($0))" }
            return "cannot connect to \(error.host):\(error.port): " + (dns ?? (reasons.first ?? "no address to try"))
        case let error as IOError where Self.connectErrors[error.errnoCode] != nil:
            return "cannot connect to \(endpoint.origin): \(Self.connectErrors[error.errnoCode] ?? "")"
        case let error? where failure.kind == .connect:
            return "cannot connect to \(endpoint.origin): \(error)"
        case let error?:
            return "\(error)"
        case nil:
            return "the request failed"
        }
    }

    /// Errors only connect(2) gives (with an IP address for a host, NIO reports them bare, not in a
    /// NIOConnectionError): no connection, so no request.
    static let connectErrors: [CInt: String] = [
        ECONNREFUSED: "connection refused", ENETUNREACH: "network unreachable", EHOSTUNREACH: "host unreachable",
        EADDRNOTAVAIL: "address not available",
    ]

    // MARK: Logging

    private func log(_ request: Request, _ attempt: Int, _ started: ContinuousClock.Instant, _ outcome: String) {
        guard logger.logLevel <= .debug else { return }
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        // The path and query only: never a header, and the query passes the redactor in case a filter quotes a secret.
        let path = redactor(String(request.url.dropFirst(endpoint.origin.count)))
        let again = attempt > 1 ? ", attempt \(attempt)" : ""
        logger.debug("\(request.method.rawValue) \(path) -> \(outcome) (\(milliseconds) ms\(again))")
    }

    static func text(_ duration: Duration) -> String {
        let seconds = RetryPolicy.seconds(duration)
        return seconds < 10 ? "\((seconds * 100).rounded() / 100) s" : "\(Int(seconds.rounded())) s"
    }

    static func text(_ amount: TimeAmount) -> String {
        text(Duration.nanoseconds(amount.nanoseconds))
    }
}
