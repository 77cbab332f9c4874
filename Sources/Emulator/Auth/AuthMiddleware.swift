import Foundation
import Hummingbird

/// Admits a request with a configured Basic user, SoTicket or Bearer token, or a ticket or access token the login
/// service issued and that has not expired (and the SO-AppToken when one is configured); anything else gets 401
/// before any handler runs. Never logs a credential.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext

    let configuration: AuthenticationConfiguration
    var issued = IssuedCredentials()
    /// Our reading of "the SO-AppToken header has to accompany the request": a call with an issued ticket must
    /// carry the client secret as SO-AppToken when one is configured.
    var issuedTicketAppToken: String? = nil

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
            switch admission(authorization) {
            case .admitted:
                break
            case .admittedIssuedTicket:
                if let expected = issuedTicketAppToken {
                    guard let given = request.headers.value(named: "SO-AppToken"), ConstantTime.equals(given, expected) else {
                        throw APIError.unauthorized(
                            "a system user ticket needs the application's client secret as SO-AppToken", challenges: challenges)
                    }
                }
            case .expired:
                throw APIError.unauthorized("the ticket or access token has expired; sign in again", challenges: challenges)
            case .refused:
                throw APIError.unauthorized("the credentials in the Authorization header are not accepted", challenges: challenges)
            }
        }
        return try await next(request, context)
    }

    private var challenges: [String] {
        var list: [String] = []
        if !configuration.users.isEmpty { list.append("Basic realm=\"batchctl\"") }
        if !configuration.tickets.isEmpty || issuedTicketAppToken != nil { list.append("SoTicket") }
        if !configuration.tokens.isEmpty || issuedTicketAppToken != nil { list.append("Bearer") }
        return list
    }

    /// What the Authorization header amounts to.
    enum Admission: Equatable {
        case admitted
        /// A ticket the login service issued: admitted once its SO-AppToken is checked.
        case admittedIssuedTicket
        case expired
        case refused
    }

    func admission(_ authorization: String) -> Admission {
        let trimmed = authorization.trimmingASCIIWhitespace()
        guard let space = trimmed.firstIndex(of: " ") else { return .refused }
        let scheme = trimmed[..<space].lowercased()
        let credential = String(trimmed[trimmed.index(after: space)...]).trimmingASCIIWhitespace()
        func issuedStanding(_ admitted: Admission) -> Admission {
            switch issued.standing(of: credential) {
            case .valid: admitted
            case .expired: .expired
            case .unknown: .refused
            }
        }
        switch scheme {
        case "soticket":
            return ConstantTime.matchesAny(credential, configuration.tickets) ? .admitted : issuedStanding(.admittedIssuedTicket)
        case "bearer":
            return ConstantTime.matchesAny(credential, configuration.tokens) ? .admitted : issuedStanding(.admitted)
        default:
            return configuredAdmits(trimmed) ? .admitted : .refused
        }
    }

    private func configuredAdmits(_ trimmed: String) -> Bool {
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
