import Hummingbird

/// Refuses every API call while the tenant is not running, before authentication and before any handler.
struct TenantStateMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    /// Our choice: how long a client is told to wait before it tries again.
    static let retryAfterSeconds = 60

    let status: TenantStatus

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let state = status.current
        guard state.isRunning else {
            // Our reading: the reference says the API is "not available" in these states; 503 with Retry-After is
            // HTTP's way to say so, and api.md counts 5xx as retryable.
            var error = APIError(
                status: .serviceUnavailable, type: "SoTenantUnavailableException",
                message: "the tenant is \(state.rawValue); its API is not available")
            error.headers[.retryAfter] = String(Self.retryAfterSeconds)
            throw error
        }
        return try await next(request, context)
    }
}
