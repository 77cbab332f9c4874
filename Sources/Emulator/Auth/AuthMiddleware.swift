import Foundation
import Hummingbird

/// Admits a request with a configured Basic user, SoTicket or Bearer token (and the SO-AppToken when one is
/// configured); anything else gets 401 before any handler runs. Never logs a credential.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let configuration: AuthenticationConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let expected = configuration.appToken {
            guard let given = request.headers.value(named: "SO-AppToken"), ConstantTime.equals(given, expected) else {
                throw APIError.unauthorized("SO-AppToken missing or not accepted", challenges: challenges)
            }
        }
        if configuration.isEnabled {
            guard let authorization = request.headers[.authorization] else {
                throw APIError.unauthorized("no Authorization header; send Basic, SoTicket or Bearer credentials", challenges: challenges)
            }
            guard admits(authorization) else {
                throw APIError.unauthorized("the credentials in the Authorization header are not accepted", challenges: challenges)
            }
        }
        return try await next(request, context)
    }

    private var challenges: [String] {
        var list: [String] = []
        if !configuration.users.isEmpty { list.append("Basic realm=\"batchctl\"") }
        if !configuration.tickets.isEmpty { list.append("SoTicket") }
        if !configuration.tokens.isEmpty { list.append("Bearer") }
        return list
    }

    func admits(_ authorization: String) -> Bool {
        let trimmed = authorization.trimmingASCIIWhitespace()
        guard let space = trimmed.firstIndex(of: " ") else { return false }
        let scheme = trimmed[..<space].lowercased()
        let credential = String(trimmed[trimmed.index(after: space)...]).trimmingASCIIWhitespace()
        switch scheme {
        case "basic":
            guard let data = Data(base64Encoded: credential), let decoded = String(data: data, encoding: .utf8),
                  let given = BasicCredential(parsing: decoded)
            else { return false }
            var admitted = false
            for user in configuration.users {
                let sameUser = ConstantTime.equals(given.user, user.user)
                let samePassword = ConstantTime.equals(given.password, user.password)
                admitted = admitted || (sameUser && samePassword)
            }
            return admitted
        case "soticket":
            return ConstantTime.matchesAny(credential, configuration.tickets)
        case "bearer":
            return ConstantTime.matchesAny(credential, configuration.tokens)
        default:
            return false
        }
    }
}
