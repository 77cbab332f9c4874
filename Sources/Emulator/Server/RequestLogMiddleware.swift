import Hummingbird
import Logging

/// One debug line per request: method, path (never the query or a header, where secrets could be), status, time.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.logger.logLevel <= .debug else { return try await next(request, context) }
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            context.logger.debug("\(request.method) \(request.uri.path) -> \(response.status.code) (\(Self.milliseconds(since: started)) ms)")
            return response
        } catch is LostAnswer {
            context.logger.debug("\(request.method) \(request.uri.path) -> answer lost on purpose (\(Self.milliseconds(since: started)) ms)")
            throw LostAnswer()
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
