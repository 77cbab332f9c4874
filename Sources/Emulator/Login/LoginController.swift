import Foundation
import Hummingbird
import JSON
import JWTKit
import SystemUserLogin
import _CryptoExtras

/// SuperOffice Online's login service on the emulator's own port: the system-user sign-in, the OpenID
/// configuration and its JWKS, and the token endpoint's refresh-token grant.
struct LoginController: Sendable {
    let configuration: LoginServiceConfiguration
    let partnerKey: _RSA.Signing.PublicKey?
    let signer: LoginSigner
    let issued: IssuedCredentials
    /// What the URLs it hands out start with: `webapi_url`, the issuer and the OpenID endpoints.
    let origin: ServerOrigin

    /// Our reading of the reference's sample id_token: valid from a minute before it is issued, for five minutes.
    static let jwtNotBeforeLeewaySeconds: Double = 60
    static let jwtLifetimeSeconds: Double = 300

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "Login/api/PartnerSystemUser/Authenticate", authenticate),
            Endpoint(.get, "login/.well-known/openid-configuration", openIDConfiguration),
            Endpoint(.get, "login/.well-known/jwks", jwks),
            Endpoint(.post, "login/common/oauth/tokens", tokens),
        ]
    }

    // MARK: System user

    /// `POST /Login/api/PartnerSystemUser/Authenticate`. Our reading: a refused sign-in is still a 200 whose
    /// body says `IsSuccessful: false` (the answer's shape carries the outcome); a body that is not JSON is 400.
    @Sendable func authenticate(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let body = try await RequestBody.read(request)
        guard body.format == .json else {
            throw APIError.unsupportedMediaType("PartnerSystemUser/Authenticate takes a JSON body")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(body.bytes)
        } catch {
            throw APIError.badRequest("request body is not valid JSON: \(error)")
        }
        guard let object = json.objectValue else { throw APIError.badRequest("request body must be a JSON object") }
        let ticket: String
        do {
            ticket = try signIn(object)
        } catch {
            return Self.json(["IsSuccessful": false, "Token": .null, "ErrorMessage": .string(error.message)])
        }
        let now = Date()
        let claims = SystemUserClaims(
            ticket: ticket, contextIdentifier: configuration.contextIdentifier, serial: configuration.databaseSerial,
            webAPIURL: origin.url + "/\(configuration.contextIdentifier)/api/",
            issuer: IssuerClaim(value: "SuperOffice AS"), audience: AudienceClaim(value: ["spn:\(configuration.databaseSerial)"]),
            expiration: ExpirationClaim(value: now.addingTimeInterval(Self.jwtLifetimeSeconds)),
            notBefore: NotBeforeClaim(value: now.addingTimeInterval(-Self.jwtNotBeforeLeewaySeconds)),
            issuedAt: String(Int64(now.timeIntervalSince1970)))
        let token = try await signer.sign(claims)
        return Self.json(["IsSuccessful": true, "Token": .string(token), "ErrorMessage": .null])
    }

    /// Checks a sign-in and issues its ticket; each refusal says what was wrong, never the secret sent.
    private func signIn(_ object: JSONValue.Object) throws(SignedSystemToken.Refusal) -> String {
        func field(_ name: String) throws(SignedSystemToken.Refusal) -> String {
            // ASP.NET binds property names in any case.
            guard let value = object.first(where: { $0.key.lowercased() == name.lowercased() })?.value.stringValue, !value.isEmpty else {
                throw SignedSystemToken.Refusal(message: "\(name) is missing")
            }
            return value
        }
        let contextIdentifier = try field("ContextIdentifier")
        guard contextIdentifier.lowercased() == configuration.contextIdentifier.lowercased() else {
            throw SignedSystemToken.Refusal(message: "unknown ContextIdentifier '\(contextIdentifier.prefix(40))'")
        }
        let returnType = try field("ReturnTokenType")
        guard returnType.lowercased() == "jwt" else {
            throw SignedSystemToken.Refusal(message: "ReturnTokenType must be JWT")
        }
        let applicationToken = try field("ApplicationToken")
        guard let secret = configuration.clientSecret, ConstantTime.equals(applicationToken, secret) else {
            throw SignedSystemToken.Refusal(message: "the ApplicationToken is not accepted")
        }
        guard let expected = configuration.systemUserToken, let partnerKey else {
            throw SignedSystemToken.Refusal(message: "this login service has no system user for the application")
        }
        let signed = try SignedSystemToken(parsing: try field("SignedSystemToken"))
        try signed.verify(systemUserToken: expected, partnerKey: partnerKey, now: Date().addingTimeInterval(configuration.clockOffsetSeconds))
        let ticket = IssuedCredentials.make(prefix: "7T:")
        issued.issue(ticket, lifetime: configuration.ticketLifetimeSeconds)
        return ticket
    }

    // MARK: OpenID

    /// Our reading: the issuer and endpoints are the emulator's own base URL, as the reference's are its host's.
    @Sendable func openIDConfiguration(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let base = origin.url
        return Self.json([
            "issuer": .string(base),
            "token_endpoint": .string(base + "/login/common/oauth/tokens"),
            "jwks_uri": .string(base + "/login/.well-known/jwks"),
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "grant_types_supported": ["refresh_token"],
        ])
    }

    @Sendable func jwks(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: signer.jwksJSON)))
    }

    // MARK: Token endpoint

    /// `POST /login/common/oauth/tokens` with `grant_type=refresh_token`. Errors are OAuth's (RFC 6749 §5.2):
    /// 400 `invalid_request`, `unsupported_grant_type` or `invalid_grant`, 401 `invalid_client`.
    @Sendable func tokens(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let body = try await RequestBody.read(request)
        guard body.format == .form else {
            return Self.oauthError(.badRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        let pairs = try FormURLEncoding.formPairs(Substring(decoding: body.bytes, as: UTF8.self))
        func field(_ name: String) -> String? { pairs.first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 } }
        guard field("grant_type") == "refresh_token" else {
            return Self.oauthError(.badRequest, "unsupported_grant_type", "only grant_type=refresh_token is served here")
        }
        guard field("client_id") != nil, let given = field("client_secret"), let secret = configuration.clientSecret,
              ConstantTime.equals(given, secret)
        else {
            return Self.oauthError(.unauthorized, "invalid_client", "client_id and client_secret do not name a known application")
        }
        guard let refreshToken = field("refresh_token"), ConstantTime.matchesAny(refreshToken, configuration.refreshTokens) else {
            return Self.oauthError(.badRequest, "invalid_grant", "the refresh token is not valid")
        }
        // api.md shows access tokens as `8A:<context identifier>.<...>`.
        let accessToken = IssuedCredentials.make(prefix: "8A:\(configuration.contextIdentifier).")
        issued.issue(accessToken, lifetime: configuration.accessTokenLifetimeSeconds)
        return Self.json([
            "access_token": .string(accessToken), "token_type": "Bearer",
            "expires_in": .int(Int64(configuration.accessTokenLifetimeSeconds.rounded(.up))),
        ])
    }

    // MARK: Helpers

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var writer = JSONWriter()
        writer.write(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    private static func oauthError(_ status: HTTPResponse.Status, _ code: String, _ description: String) -> Response {
        json(["error": .string(code), "error_description": .string(description)], status: status)
    }
}
