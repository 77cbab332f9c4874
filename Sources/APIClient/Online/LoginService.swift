import AsyncHTTPClient
import Foundation
import JSON
import JWTKit
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import SystemUserLogin
import _CryptoExtras

/// SuperOffice Online's login service: the system-user sign-in, the published keys that vouch for its JWTs, the
/// OAuth token endpoint, and the tenant status service on the same host.
final class LoginService: Sendable {
    /// `https://online.superoffice.com`: the login URL without its `/Login`.
    let host: String
    let loginURL: String
    private let http: HTTPClient
    private let timeout: TimeAmount
    /// The login service's keys, fetched on first use and again when a JWT names a key they lack (a rotation).
    private let keys = Mutex<JWTKeyCollection?>(nil)
    private let tokenEndpoint = Mutex<String?>(nil)

    /// Our reading of api.md: the system-user JWT's issuer.
    static let systemUserIssuer = "SuperOffice AS"
    /// The largest answer read from the login service.
    static let maximumAnswerBytes = 1 << 20

    init(loginURL: String, timeout: Duration) {
        self.loginURL = loginURL
        var host = Substring(loginURL)
        if host.lowercased().hasSuffix("/login") { host = host.dropLast("/login".count) }
        self.host = String(host)
        self.timeout = RequestSender.timeAmount(timeout)
        var settings = HTTPClient.Configuration()
        // A redirect would carry the client secret and the signed token to wherever it points.
        settings.redirectConfiguration = .disallow
        settings.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: self.timeout)
        settings.tracing.tracer = nil
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: - The system-user flow

    /// What a sign-in gives: the Authorization header, where the tenant's API is, and the secrets it carried.
    struct Grant: Sendable {
        var authorization: String
        var webAPIRoot: String?
        var contextIdentifier: String?
        /// For an access token: how long it is good for.
        var lifetime: Duration?
        var secrets: [String]
    }

    /// Signs `<token>.<UTC yyyyMMddHHmm>` with the application's key, exchanges it for a JWT, verifies the JWT
    /// against the published keys, and takes the ticket and the API root from its claims.
    func signIn(_ user: OnlineCredentials.SystemUser, now: Date = Date()) async throws(ClientError) -> Grant {
        let signedText = user.systemUserToken + "." + SignedTokenTime.text(now)
        let signature: _RSA.Signing.RSASignature
        do {
            signature = try user.privateKey.signature(for: Data(signedText.utf8), padding: .insecurePKCS1v1_5)
        } catch {
            throw .configuration("\(OnlineCredentials.Variable.privateKeyFile): the key cannot sign")
        }
        let signedToken = signedText + "." + signature.rawRepresentation.base64EncodedString()
        let secrets = [signedToken, user.systemUserToken, user.clientSecret]
        let body: JSONValue = [
            "SignedSystemToken": .string(signedToken), "ApplicationToken": .string(user.clientSecret),
            "ContextIdentifier": .string(user.contextIdentifier), "ReturnTokenType": "JWT",
        ]
        let answer = try await send(.POST, host + "/Login/api/PartnerSystemUser/Authenticate",
                                    body: body.serializedBytes(), contentType: "application/json", secrets: secrets,
                                    what: "the system-user sign-in")
        guard answer.status == .ok else {
            throw .authentication("the login service answered \(answer.status.code) to the system-user sign-in for \(user.contextIdentifier)"
                + Self.errorText(answer.body, secrets: secrets))
        }
        guard let object = try? JSONValue.parse(answer.body.readableBytesView).objectValue else {
            throw .invalidResponse("the login service's sign-in answer is not a JSON object")
        }
        func member(_ name: String) -> JSONValue? { object.first { $0.key.lowercased() == name.lowercased() }?.value }
        guard member("IsSuccessful")?.boolValue == true, let jwt = member("Token")?.stringValue, !jwt.isEmpty else {
            let reason = member("ErrorMessage")?.stringValue.map { Redactor.remove(secrets, from: $0) } ?? "no reason given"
            throw .authentication("the login service refused the system-user sign-in for \(user.contextIdentifier): \(reason); "
                + Self.culprit(reason))
        }
        let claims = try await verify(jwt, secrets: secrets)
        guard claims.contextIdentifier.lowercased() == user.contextIdentifier.lowercased() else {
            throw .authentication("the login service signed in to \(claims.contextIdentifier.prefix(64)), not \(user.contextIdentifier) (\(OnlineCredentials.Variable.contextIdentifier))")
        }
        if let character = Credentials.controlCharacter(in: claims.ticket) {
            throw .invalidResponse("the login service's ticket contains a control character (\(character)), which no HTTP header can carry")
        }
        return Grant(authorization: "SOTicket " + claims.ticket, webAPIRoot: try Self.root(webAPIURL: claims.webAPIURL),
                     contextIdentifier: claims.contextIdentifier, lifetime: nil, secrets: secrets + [jwt, claims.ticket])
    }

    /// Which variable a refusal points at, from the words of the login service's reason.
    static func culprit(_ reason: String) -> String {
        let lower = reason.lowercased()
        typealias Variable = OnlineCredentials.Variable
        if lower.contains("applicationtoken") || lower.contains("application token") || lower.contains("client secret") {
            return "check \(Variable.clientSecret)"
        }
        if lower.contains("signature") { return "check that \(Variable.privateKeyFile) is the application's key" }
        if lower.contains("time") || lower.contains("expired") {
            return "the signed token's time is off: check this machine's clock (UTC) and \(Variable.systemUserToken)"
        }
        if lower.contains("system user") || lower.contains("systemuser") { return "check \(Variable.systemUserToken)" }
        if lower.contains("context") { return "check \(Variable.contextIdentifier)" }
        return "check \(Variable.systemUserToken), \(Variable.privateKeyFile) and \(Variable.clientSecret)"
    }

    /// Checks the JWT's RS256 signature against the login service's keys, its expiry, issuer and audience.
    private func verify(_ jwt: String, secrets: [String]) async throws(ClientError) -> SystemUserClaims {
        var refreshed = false
        while true {
            let keys = try await self.keys(refresh: refreshed, secrets: secrets)
            do {
                let claims = try await keys.verify(jwt, as: SystemUserClaims.self)
                guard claims.issuer.value == Self.systemUserIssuer else {
                    throw ClientError.authentication("the login service's JWT was issued by '\(claims.issuer.value.prefix(64))', not '\(Self.systemUserIssuer)'")
                }
                // api.md: the audience is `spn:<the serial claim>`; a JWT without either was not made for this flow.
                guard let serial = claims.serial, !serial.isEmpty else {
                    throw ClientError.authentication("the login service's JWT names no database serial (\(SystemUserClaims.CodingKeys.serial.rawValue)): it is not a system-user sign-in")
                }
                guard let audience = claims.audience else {
                    throw ClientError.authentication("the login service's JWT has no audience (aud): it must be meant for spn:\(serial.prefix(32))")
                }
                do {
                    try audience.verifyIntendedAudience(includes: "spn:\(serial)")
                } catch {
                    throw ClientError.authentication("the login service's JWT is not meant for database serial \(serial.prefix(32)) (its audience is not spn:\(serial.prefix(32)))")
                }
                return claims
            } catch let error as ClientError {
                throw error
            } catch let error as JWTError where !refreshed && error.errorType == .unknownKID {
                refreshed = true  // the keys may have rotated since they were fetched
            } catch {
                throw .authentication("the login service's JWT does not verify against its published keys (\(Self.describe(error)))")
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? JWTError else { return "not a valid JWT" }
        switch error.errorType {
        case .claimVerificationFailure: return "a claim failed: \(error.reason ?? "expired or not yet valid")"
        case .signatureVerificationFailed: return "the signature does not match"
        case .unknownKID: return "signed with a key the login service does not publish"
        default: return "\(error.errorType)"
        }
    }

    /// The keys at the OpenID configuration's `jwks_uri`.
    private func keys(refresh: Bool, secrets: [String]) async throws(ClientError) -> JWTKeyCollection {
        if !refresh, let keys = keys.withLock({ $0 }) { return keys }
        let configuration = try await json(.GET, host + "/login/.well-known/openid-configuration", secrets: secrets,
                                           what: "the login service's OpenID configuration")
        guard let jwksURI = configuration["jwks_uri"]?.stringValue else {
            throw .invalidResponse("the login service's OpenID configuration has no jwks_uri")
        }
        try Self.checkURL(jwksURI, named: "jwks_uri")
        if let token = configuration["token_endpoint"]?.stringValue {
            try Self.checkURL(token, named: "token_endpoint")
            tokenEndpoint.withLock { $0 = token }
        }
        let answer = try await send(.GET, jwksURI, secrets: secrets, what: "the login service's keys (jwks_uri)")
        guard answer.status == .ok else {
            throw .invalidResponse("the login service's keys (jwks_uri) answered \(answer.status.code)")
        }
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwksJSON: String(decoding: answer.body.readableBytesView, as: UTF8.self))
        } catch {
            throw .invalidResponse("the login service's keys (jwks_uri) are not a JWKS of RSA keys")
        }
        keys.withLock { $0 = collection }
        return collection
    }

    // MARK: - Refresh tokens

    /// `grant_type=refresh_token` at the token endpoint: a `Bearer` access token and how long it lasts.
    func accessToken(_ grant: OnlineCredentials.RefreshToken) async throws(ClientError) -> Grant {
        let secrets = [grant.refreshToken, grant.clientSecret]
        var endpoint = tokenEndpoint.withLock { $0 }
        if endpoint == nil {
            // The OpenID configuration names the token endpoint; without one, the reference's path.
            let configuration = try? await json(.GET, host + "/login/.well-known/openid-configuration", secrets: secrets,
                                           what: "the login service's OpenID configuration")
            endpoint = configuration?["token_endpoint"]?.stringValue ?? host + "/login/common/oauth/tokens"
            if let endpoint { try Self.checkURL(endpoint, named: "token_endpoint") }
            tokenEndpoint.withLock { $0 = endpoint }
        }
        let form = [("grant_type", "refresh_token"), ("client_id", grant.clientID), ("client_secret", grant.clientSecret),
                    ("refresh_token", grant.refreshToken)]
            .map { "\($0.0)=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        let answer = try await send(.POST, endpoint ?? host + "/login/common/oauth/tokens", body: Array(form.utf8),
                                    contentType: "application/x-www-form-urlencoded", secrets: secrets, what: "the token endpoint")
        let object = (try? JSONValue.parse(answer.body.readableBytesView))?.objectValue
        guard answer.status == .ok else {
            let code = object?["error"]?.stringValue.map { Redactor.remove(secrets, from: $0) }
            let description = object?["error_description"]?.stringValue.map { Redactor.remove(secrets, from: $0) }
            let which = code == "invalid_client"
                ? "\(OnlineCredentials.Variable.clientID) and \(OnlineCredentials.Variable.clientSecret)"
                : OnlineCredentials.Variable.refreshToken
            let reason = [code, description].compactMap { $0 }.joined(separator: ": ")
            throw .authentication("the token endpoint refused \(which) (\(answer.status.code)\(reason.isEmpty ? "" : " " + reason))")
        }
        guard let token = object?["access_token"]?.stringValue, !token.isEmpty else {
            throw .invalidResponse("the token endpoint's answer has no access_token")
        }
        if let character = Credentials.controlCharacter(in: token) {
            throw .invalidResponse("the token endpoint's access_token contains a control character (\(character)), which no HTTP header can carry")
        }
        let seconds = object?["expires_in"]?.doubleValue ?? object?["expires_in"]?.stringValue.flatMap(Double.init)
        return Grant(authorization: "Bearer " + token, webAPIRoot: nil, contextIdentifier: nil,
                     lifetime: seconds.map { .milliseconds(Int64(max(0, min($0, 86_400 * 365)) * 1000)) },
                     secrets: secrets + [token])
    }

    // MARK: - Tenant status

    /// The answer of `GET /api/state/<context identifier>`.
    struct TenantStatus: Sendable {
        var state: String
        var isRunning: Bool
        /// The tenant's root, `https://sod2.superoffice.com/Cust12345`, when the service names it.
        var endpoint: String?
    }

    func tenantStatus(_ contextIdentifier: String) async throws(ClientError) -> TenantStatus {
        let object = try await json(.GET, host + "/api/state/" + contextIdentifier, secrets: [],
                                    what: "the tenant status of \(contextIdentifier)")
        let state = object["State"]?.stringValue ?? "Unknown"
        var endpoint: String?
        if let named = object["Endpoint"]?.stringValue {
            do {
                endpoint = try Endpoint(named, named: "Endpoint").root
            } catch {
                throw .invalidResponse("the tenant status of \(contextIdentifier) names an endpoint the client cannot use: \(error.message)")
            }
        }
        return TenantStatus(state: state, isRunning: object["IsRunning"]?.boolValue ?? false, endpoint: endpoint)
    }

    // MARK: - HTTP

    private func json(_ method: HTTPMethod, _ url: String, secrets: [String], what: String) async throws(ClientError) -> JSONValue.Object {
        let answer = try await send(method, url, secrets: secrets, what: what)
        guard answer.status == .ok else { throw .invalidResponse("\(what) answered \(answer.status.code)") }
        guard let object = (try? JSONValue.parse(answer.body.readableBytesView))?.objectValue else {
            throw .invalidResponse("\(what) is not a JSON object")
        }
        return object
    }

    /// Sends one request to the login service; `what` names it in messages. A dropped or refused connection is
    /// tried again twice (signing in twice is harmless, and so is asking twice for keys or a status), after half a
    /// second and a second. A timeout ends it at once: a service that did not answer in the whole timeout is not
    /// going to answer the next try sooner. So does an answer over the size limit.
    private func send(_ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, contentType: String? = nil,
                      secrets: [String], what: String) async throws(ClientError) -> RequestSender.Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "batchctl")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            do {
                let response = try await http.execute(request, deadline: .now() + timeout)
                let body = try await response.body.collect(upTo: Self.maximumAnswerBytes)
                return RequestSender.Answer(status: response.status, headers: response.headers, body: body)
            } catch is NIOTooManyBytesError {
                throw .invalidResponse("\(what) at \(host) (\(OnlineCredentials.Variable.loginURL)) answered with more than "
                    + "\(Self.maximumAnswerBytes >> 20) MiB, larger than the client reads")
            } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
                let waited = RequestSender.text(ContinuousClock.now - started)
                throw .authentication("the login service at \(host) (\(OnlineCredentials.Variable.loginURL)) did not answer "
                    + "\(what) within \(waited)" + (error == .connectTimeout ? " (connecting)" : "") + "; nothing more was tried")
            } catch {
                let reason = Self.describe(transport: error)
                guard attempt < 3, !Task.isCancelled else {
                    throw .authentication("cannot reach the login service at \(host) (\(OnlineCredentials.Variable.loginURL)): "
                        + Redactor.remove(secrets, from: reason))
                }
                try? await Task.sleep(for: .milliseconds(500 * attempt))
            }
        }
    }

    private static func describe(transport error: any Error) -> String {
        switch error {
        case let error as IOError:
            return RequestSender.connectErrors[error.errnoCode] ?? String(cString: strerror(error.errnoCode))
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve the host name" }
            return error.connectionErrors.first.map { describe(transport: $0.error) } ?? "no address to try"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the connection closed without an answer"
        default:
            return "\(error)"
        }
    }

    private static func errorText(_ body: ByteBuffer, secrets: [String]) -> String {
        let text = String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
        return text.isEmpty ? "" : ": " + Redactor.remove(secrets, from: text)
    }

    /// The tenant's root from the `webapi_url` claim (`https://sod.superoffice.com/Cust26759/api/`).
    static func root(webAPIURL: String) throws(ClientError) -> String {
        var url = Substring(webAPIURL)
        while url.hasSuffix("/") { url = url.dropLast() }
        if url.lowercased().hasSuffix("/api") { url = url.dropLast(4) }
        do {
            return try Endpoint(String(url), named: "webapi_url").root
        } catch {
            throw .invalidResponse("the login service's webapi_url claim is not a URL the client can use: \(error.message)")
        }
    }

    /// A URL the login service gave (in its OpenID configuration), refused unless it passes `CheckedURL`.
    private static func checkURL(_ url: String, named name: String) throws(ClientError) {
        do {
            _ = try CheckedURL(url, named: name)
        } catch {
            throw .invalidResponse("the login service's OpenID configuration names a URL the client cannot use: \(error.message)")
        }
    }
}
