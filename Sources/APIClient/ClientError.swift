import Diagnostics

/// Why a call to the BatchTask API failed; every message is already free of credentials.
public enum ClientError: UserFacingError, CustomStringConvertible {
    /// The server answered with an error status; `message` is the API's ErrorMessage when the body carried one.
    case http(status: Int, errorType: String?, message: String)
    /// A create (POST) whose answer never arrived, or arrived as a server failure: the server may or may not have
    /// made the task. The client never re-sends it; the caller looks on the server first.
    case outcomeUnknown(String)
    /// No usable answer: could not connect, the connection dropped, or the request timed out.
    case transport(String)
    /// An answer that is not what the API promises (not JSON, a task that is not an object, ...).
    case invalidResponse(String)
    /// The client was set up wrongly (endpoint, credentials in the environment, limits).
    case configuration(String)
    /// A sign-in was refused, or the API refused what a fresh sign-in gave; the message names the credential by
    /// its variable. Every further call would fail the same way.
    case authentication(String)
    /// The SuperOffice Online tenant is not running (maintenance, backup, offline): nothing more is sent.
    case tenantUnavailable(String)

    /// Whether the same call may succeed when made again later (after the client's own retries ran out).
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): return Self.retryableStatuses.contains(status)
        // The caller must find out what happened first; sending again blindly could duplicate the task.
        case .outcomeUnknown: return false
        case .transport: return true
        case .invalidResponse, .configuration, .authentication, .tenantUnavailable: return false
        }
    }

    /// Whether every further request of the run would fail the same way, so a run should stop sending rather
    /// than fail each action in turn.
    public var stopsRun: Bool {
        switch self {
        case .authentication, .tenantUnavailable: return true
        case .http, .outcomeUnknown, .transport, .invalidResponse, .configuration: return false
        }
    }

    /// Statuses that say "not now" rather than "not this": timeouts, throttling and server overload or faults.
    static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    public var description: String {
        switch self {
        case .http(let status, let errorType, let message):
            let type = errorType.map { " \($0)" } ?? ""
            return "the API answered \(status)\(type): \(message)"
        case .outcomeUnknown(let message):
            return "outcome unknown: \(message)"
        case .transport(let message):
            return "cannot reach the API: \(message)"
        case .invalidResponse(let message):
            return "unexpected answer from the API: \(message)"
        case .configuration(let message), .authentication(let message), .tenantUnavailable(let message):
            return message
        }
    }

    public var message: String { description }
}
