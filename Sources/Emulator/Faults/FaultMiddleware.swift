import Hummingbird
import NIOCore

/// Injects the configured faults. Draws happen in a fixed order per request (throttle, error, lost answer, each
/// only when its rate is above 0), before the request is processed, so the sequence depends only on the seed and
/// the order requests arrive in.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let configuration: FaultConfiguration
    let random: RandomSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if configuration.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(configuration.latencyMilliseconds))
        }
        if random.chance(configuration.throttleRate) {
            var error = APIError(
                status: .tooManyRequests, type: "SoThrottledException",
                message: "too many requests (injected: --throttle-rate \(configuration.throttleRate)); retry after \(configuration.retryAfterSeconds) s")
            error.headers[.retryAfter] = String(configuration.retryAfterSeconds)
            throw error
        }
        if random.chance(configuration.errorRate) {
            let statuses: [HTTPResponse.Status] = [.internalServerError, .badGateway, .serviceUnavailable, .gatewayTimeout]
            let status = statuses[random.next(below: statuses.count)]
            throw APIError(
                status: status, type: "SoInjectedFaultException",
                message: "\(status.reasonPhrase) (injected: --error-rate \(configuration.errorRate)); the request was not processed")
        }
        let losesAnswer = random.chance(configuration.lostAnswerRate)
        let response = try await next(request, context)
        guard losesAnswer, (200..<300).contains(response.status.code) else { return response }
        // The handler has committed. Closing the channel here, before Hummingbird writes anything, makes the client
        // see the connection end with no response at all.
        context.logger.debug("lost answer: closing the connection without responding")
        try? await context.channel.close()
        throw LostAnswer()
    }
}
