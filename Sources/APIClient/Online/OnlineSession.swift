import Foundation
import Logging
import Synchronization

/// A signed-in SuperOffice Online tenant: the current ticket or access token, renewed on demand with one sign-in
/// for all the requests that need it, and the tenant's status and API root.
///
/// Hand it to `ClientConfiguration.session`: the client then takes its Authorization header from here, signs in
/// again when a call gets 401, follows the tenant when a call gets 421, and stops when the tenant is not running.
public final class OnlineSession: Sendable {
    public let credentials: OnlineCredentials
    let login: LoginService
    private let logger: Logger
    private let state = Mutex(Current())

    private struct Current {
        var authorization: String?
        /// Bumped by every sign-in: a request that got 401 says which generation it sent.
        var generation = 0
        var expires: ContinuousClock.Instant?
        var renewal: Task<LoginService.Grant, any Error>?
        var signIns = 0
        var webAPIRoot: String?
        /// Every secret this session has held, for the redactor; old tickets may still be echoed back.
        var secrets: [String] = []
        var status: (checked: ContinuousClock.Instant, status: LoginService.TenantStatus)?
        var statusCheck: (started: ContinuousClock.Instant, task: Task<LoginService.TenantStatus, any Error>)?
    }

    /// An access token is renewed this long before it expires (or at nine tenths of its life, if that is sooner).
    static let renewalMargin: Duration = .seconds(60)
    /// Secrets kept for redaction: enough for every ticket of a long run, bounded for a controller that runs for weeks.
    static let maximumSecrets = 64

    public init(credentials: OnlineCredentials, timeout: Duration = .seconds(30), logger: Logger? = nil) {
        self.credentials = credentials
        login = LoginService(loginURL: credentials.loginURL, timeout: timeout)
        self.logger = logger ?? Logger(label: "batchctl.login")
        state.withLock { $0.secrets = credentials.secrets }
    }

    /// Closes the login service's connections.
    public func shutdown() async {
        await login.shutdown()
    }

    /// Signs in now (the first sign-in, before any request): a wrong key or secret is reported before anything
    /// else happens.
    public func signIn() async throws(ClientError) {
        _ = try await renew(after: state.withLock { $0.generation })
    }

    /// The tenant's API root from the JWT's `webapi_url` claim (system-user flow), once signed in.
    public var endpoint: String? { state.withLock { $0.webAPIRoot } }

    /// How many times this session signed in (or fetched an access token).
    public var signIns: Int { state.withLock { $0.signIns } }

    public var contextIdentifier: String? { credentials.contextIdentifier }

    /// The client secret, which SuperOffice Online wants as `SO-AppToken` on every call.
    public var appToken: String { credentials.clientSecret }

    /// What a state made through this session is bound to: the tenant, so that a tenant that moves to another
    /// API host is still the same tenant. `tenant:<context identifier>@<login host>`; nil without a tenant.
    public static func binding(for credentials: OnlineCredentials) -> String? {
        guard let context = credentials.contextIdentifier else { return nil }
        let host = credentials.loginURL.drop(while: { $0 != ":" }).dropFirst(3).prefix(while: { $0 != "/" })
        return "tenant:\(context)@\(host.lowercased())"
    }

    // MARK: - Authorization

    /// The header to send, and its generation; an access token near its end is renewed first.
    func authorization() async throws(ClientError) -> (header: String, generation: Int) {
        let (current, generation, expires) = state.withLock { ($0.authorization, $0.generation, $0.expires) }
        if let current, expires.map({ ContinuousClock.now < $0 }) ?? true { return (current, generation) }
        return try await renew(after: generation)
    }

    /// The generation now in use.
    var generation: Int { state.withLock { $0.generation } }

    /// Signs in again unless a sign-in after `generation` already happened; requests that ask while one runs wait
    /// for it instead of starting their own.
    func renew(after generation: Int) async throws(ClientError) -> (header: String, generation: Int) {
        enum Step {
            case done(header: String, generation: Int)
            case wait(Task<LoginService.Grant, any Error>)
        }
        let step: Step = state.withLock { current in
            if current.generation > generation, let header = current.authorization {
                return .done(header: header, generation: current.generation)
            }
            if let renewal = current.renewal { return .wait(renewal) }
            let task = Task { [login, credentials, logger] in
                let started = ContinuousClock.now
                let grant: LoginService.Grant
                switch credentials {
                case .systemUser(let user): grant = try await login.signIn(user)
                case .refreshToken(let token): grant = try await login.accessToken(token)
                }
                logger.debug("signed in at \(login.loginURL) (\(Self.milliseconds(ContinuousClock.now - started)) ms)")
                return grant
            }
            current.renewal = task
            return .wait(task)
        }
        let task: Task<LoginService.Grant, any Error>
        switch step {
        case .done(let header, let generation): return (header, generation)
        case .wait(let renewal): task = renewal
        }
        let grant: LoginService.Grant
        do {
            grant = try await task.value
        } catch {
            state.withLock { if $0.renewal == task { $0.renewal = nil } }
            if let error = error as? ClientError { throw error }
            throw .authentication("signing in was cancelled")
        }
        return state.withLock { current in
            if current.renewal == task {
                current.renewal = nil
                current.authorization = grant.authorization
                current.generation += 1
                current.signIns += 1
                if let root = grant.webAPIRoot { current.webAPIRoot = root }
                current.expires = grant.lifetime.map { lifetime in
                    ContinuousClock.now + lifetime - min(Self.renewalMargin, lifetime / 10)
                }
                current.secrets = Array((current.secrets + grant.secrets + [grant.authorization]).suffix(Self.maximumSecrets))
            }
            return (current.authorization ?? grant.authorization, current.generation)
        }
    }

    /// The message for a call refused with credentials a fresh sign-in gave.
    func refusal(_ detail: String) -> ClientError {
        let what: String
        switch credentials {
        case .systemUser: what = "the ticket of a fresh system-user sign-in"
        case .refreshToken: what = "a fresh access token"
        }
        return .authentication("the API refused \(what) (\(detail)); check \(credentials.variableNames)")
    }

    /// Removes every secret this session has held from `text`.
    func redact(_ text: String) -> String {
        Redactor.remove(state.withLock { $0.secrets }, from: text)
    }

    // MARK: - Tenant status

    /// The tenant's status from the login host, as looked up now or, when `since` is given, by any lookup that
    /// started after that moment; one lookup serves concurrent askers.
    public func tenantStatus(since: ContinuousClock.Instant? = nil) async throws(ClientError) -> (state: String, isRunning: Bool, endpoint: String?) {
        guard let context = credentials.contextIdentifier else {
            throw .configuration("the tenant status needs \(OnlineCredentials.Variable.contextIdentifier)")
        }
        let asked = ContinuousClock.now
        let since = since ?? asked
        enum Step {
            case known(LoginService.TenantStatus)
            case wait(Task<LoginService.TenantStatus, any Error>)
        }
        let step: Step = state.withLock { current in
            if let status = current.status, status.checked >= since { return .known(status.status) }
            if let check = current.statusCheck, check.started >= since { return .wait(check.task) }
            let task = Task { [login] in try await login.tenantStatus(context) }
            current.statusCheck = (asked, task)
            return .wait(task)
        }
        let task: Task<LoginService.TenantStatus, any Error>
        switch step {
        case .known(let status): return (status.state, status.isRunning, status.endpoint)
        case .wait(let check): task = check
        }
        let status: LoginService.TenantStatus
        do {
            status = try await task.value
        } catch {
            state.withLock { if $0.statusCheck?.task == task { $0.statusCheck = nil } }
            if let error = error as? ClientError { throw error }
            throw .transport("the tenant status lookup was cancelled")
        }
        state.withLock { current in
            if let check = current.statusCheck, check.task == task {
                current.statusCheck = nil
                current.status = (check.started, status)
            }
        }
        return (status.state, status.isRunning, status.endpoint)
    }

    /// Waits until the tenant runs, looking every few seconds for at most `timeout`; throws `.tenantUnavailable`
    /// when it still does not. A tenant that runs returns at once.
    public func waitForTenant(timeout: Duration, interval: Duration = .seconds(5)) async throws(ClientError) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await tenantStatus()
            if status.isRunning { return }
            let context = credentials.contextIdentifier ?? ""
            guard ContinuousClock.now + interval <= deadline else {
                let waited = timeout > .zero ? " after waiting \(Self.seconds(timeout)) s" : ""
                throw .tenantUnavailable("the tenant \(context) is \(status.state)\(waited): nothing was sent; "
                    + (timeout > .zero ? "try again later" : "try again later, or give --wait-for-tenant DURATION"))
            }
            logger.info("the tenant \(context) is \(status.state); looking again in \(Self.seconds(interval)) s")
            do {
                try await Task.sleep(for: interval)
            } catch {
                throw .tenantUnavailable("cancelled while waiting for the tenant \(context), which is \(status.state)")
            }
        }
    }

    /// Called when a request sent at `sent` met 503: `.tenantUnavailable` when the tenant is not running, nil when
    /// it is (the 503 was something else, and the usual retry rules apply). A lookup that began after the request
    /// was sent answers for every request that failed with it.
    func tenantStopped(since sent: ContinuousClock.Instant) async -> ClientError? {
        guard credentials.contextIdentifier != nil, let status = try? await tenantStatus(since: sent),
              !status.isRunning
        else { return nil }
        return .tenantUnavailable("the tenant \(credentials.contextIdentifier ?? "") is \(status.state): its API is not available")
    }

    /// Called when a request met 421: the tenant's API root now, from its status.
    func relocated() async throws(ClientError) -> String {
        let status = try await tenantStatus()
        guard let endpoint = status.endpoint else {
            throw .invalidResponse("the API answered 421 (another host serves the tenant) and the tenant status names no endpoint")
        }
        state.withLock { $0.webAPIRoot = endpoint }
        return endpoint
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = RetryPolicy.seconds(duration)
        return value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
