import Diagnostics

/// Why a call to the BatchTask API failed; every message is already free of credentials.
///
/// A struct over a private code rather than a public enum, so that a new kind of failure breaks no caller: callers
/// ask what they need (`status`, `isOutcomeUnknown`, `isRetryable`, ...) instead of switching over every case.
public struct ClientError: UserFacingError, CustomStringConvertible, Hashable {
    private enum Code: Hashable {
        case http(status: Int, errorType: String?)
        case outcomeUnknown
        case transport
        case invalidResponse
        case configuration
        case authentication
        case tenantUnavailable
    }

    private let code: Code
    /// What happened, without the words that say which kind of failure it is; for `.http`, the API's own message.
    public let detail: String

    private init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The server answered with an error status; `message` is the API's ErrorMessage when the body carried one.
    public static func http(status: Int, errorType: String?, message: String) -> ClientError {
        ClientError(code: .http(status: status, errorType: errorType), detail: message)
    }

    /// A create (POST) whose answer never arrived, or arrived as a server failure: the server may or may not have
    /// made the task. The client never re-sends it; the caller looks on the server first.
    public static func outcomeUnknown(_ message: String) -> ClientError { ClientError(code: .outcomeUnknown, detail: message) }

    /// No usable answer: could not connect, the connection dropped, or the request timed out.
    public static func transport(_ message: String) -> ClientError { ClientError(code: .transport, detail: message) }

    /// An answer that is not what the API promises (not JSON, a task that is not an object, ...).
    public static func invalidResponse(_ message: String) -> ClientError { ClientError(code: .invalidResponse, detail: message) }

    /// The client was set up wrongly (endpoint, credentials in the environment, limits).
    public static func configuration(_ message: String) -> ClientError { ClientError(code: .configuration, detail: message) }

    /// A sign-in was refused, or the API refused what a fresh sign-in gave; the message names the credential by
    /// its variable. Every further call would fail the same way.
    public static func authentication(_ message: String) -> ClientError { ClientError(code: .authentication, detail: message) }

    /// The SuperOffice Online tenant is not running (maintenance, backup, offline): nothing more is sent.
    public static func tenantUnavailable(_ message: String) -> ClientError { ClientError(code: .tenantUnavailable, detail: message) }

    /// The error status the server answered with; nil when the failure is not an error answer.
    public var status: Int? {
        if case .http(let status, _) = code { return status }
        return nil
    }

    /// The API's ErrorType (`SoException`, ...) of an error answer, when its body named one.
    public var errorType: String? {
        if case .http(_, let errorType) = code { return errorType }
        return nil
    }

    /// Whether a create may or may not have made the task; see `outcomeUnknown(_:)`.
    public var isOutcomeUnknown: Bool { code == .outcomeUnknown }
    /// Whether no usable answer came; see `transport(_:)`.
    public var isTransport: Bool { code == .transport }
    /// Whether the answer was not what the API promises; see `invalidResponse(_:)`.
    public var isInvalidResponse: Bool { code == .invalidResponse }
    /// Whether the client was set up wrongly; see `configuration(_:)`.
    public var isConfiguration: Bool { code == .configuration }
    /// Whether a sign-in was refused; see `authentication(_:)`.
    public var isAuthentication: Bool { code == .authentication }
    /// Whether the Online tenant is not running; see `tenantUnavailable(_:)`.
    public var isTenantUnavailable: Bool { code == .tenantUnavailable }

    /// Whether the same call may succeed when made again later (after the client's own retries ran out).
    public var isRetryable: Bool {
        switch code {
        case .http(let status, _): return Self.retryableStatuses.contains(status)
        // The caller must find out what happened first; sending again blindly could duplicate the task.
        case .outcomeUnknown: return false
        case .transport: return true
        case .invalidResponse, .configuration, .authentication, .tenantUnavailable: return false
        }
    }

    /// Whether every further request of the run would fail the same way, so a run should stop sending rather
    /// than fail each action in turn.
    public var stopsRun: Bool {
        switch code {
        case .authentication, .tenantUnavailable: return true
        case .http, .outcomeUnknown, .transport, .invalidResponse, .configuration: return false
        }
    }

    /// Statuses that say "not now" rather than "not this": timeouts, throttling and server overload or faults.
    static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    public var description: String {
        switch code {
        case .http(let status, let errorType):
            let type = errorType.map { " \($0)" } ?? ""
            return "the API answered \(status)\(type): \(detail)"
        case .outcomeUnknown:
            return "outcome unknown: \(detail)"
        case .transport:
            return "cannot reach the API: \(detail)"
        case .invalidResponse:
            return "unexpected answer from the API: \(detail)"
        case .configuration, .authentication, .tenantUnavailable:
            return detail
        }
    }

    public var message: String { description }
}
