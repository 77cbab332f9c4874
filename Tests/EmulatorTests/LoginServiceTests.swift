import AsyncHTTPClient
import Foundation
import JSON
import JWTKit
import SystemUserLogin
import Testing
import _CryptoExtras

@testable import Emulator

/// Keys made once for the suite: RSA key generation is slow in a debug build.
private enum TestKeys {
    static let partner: _RSA.Signing.PrivateKey? = try? _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let signing: _RSA.Signing.PrivateKey? = try? _RSA.Signing.PrivateKey(keySize: .bits2048)
}

private let clientSecret = "client-secret-1f9e"
private let systemUserToken = "batchctl tests-Xq81PzA0"
private let adminKey = "admin-key-77aa"
private let refreshToken = "refresh-token-5c2d"

/// The claims a client reads out of the system-user JWT, decoded independently of the server's own type.
private struct ReadClaims: JWTPayload {
    var ticket: String
    var ctx: String
    var serial: String
    var webapiURL: String
    var iss: IssuerClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim
    var iat: String

    enum CodingKeys: String, CodingKey {
        case ticket = "http://schemes.superoffice.net/identity/ticket"
        case ctx = "http://schemes.superoffice.net/identity/ctx"
        case serial = "http://schemes.superoffice.net/identity/serial"
        case webapiURL = "http://schemes.superoffice.net/identity/webapi_url"
        case iss, aud, exp, nbf, iat
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf.verifyNotBefore()
    }
}

private func loginConfiguration(
    ticketLifetime: Double = 10_800, accessTokenLifetime: Double = 3600, ownSigningKey: Bool = true, admin: String? = adminKey
) throws -> EmulatorConfiguration {
    let partner = try #require(TestKeys.partner)
    let signing = try #require(TestKeys.signing)
    var configuration = testConfiguration()
    configuration.login = LoginServiceConfiguration(
        partnerKeyPEM: partner.publicKey.pemRepresentation, clientSecret: clientSecret, systemUserToken: systemUserToken,
        ticketLifetimeSeconds: ticketLifetime, accessTokenLifetimeSeconds: accessTokenLifetime,
        signingKeyPEM: ownSigningKey ? nil : signing.pemRepresentation, adminKey: admin, refreshTokens: [refreshToken])
    return configuration
}

/// `<token>.<time>.<signature>`, signed over `signedText` (normally `<token>.<time>`).
private func signedToken(token: String = systemUserToken, at date: Date = Date(), signedText: String? = nil) throws -> String {
    let partner = try #require(TestKeys.partner)
    let text = "\(token).\(SignedTokenTime.text(date))"
    let signature = try partner.signature(for: Data((signedText ?? text).utf8), padding: .insecurePKCS1v1_5)
    return text + "." + signature.rawRepresentation.base64EncodedString()
}

private func authenticate(
    _ client: TestClient, signed: String, secret: String = clientSecret, context: String = "Cust00000"
) async throws -> Reply {
    let body: JSONValue = [
        "SignedSystemToken": .string(signed), "ApplicationToken": .string(secret), "ContextIdentifier": .string(context),
        "ReturnTokenType": "JWT",
    ]
    return try await client.send(.POST, "/Login/api/PartnerSystemUser/Authenticate", body: body.serialized(), authorization: nil)
}

/// Signs in and returns the ticket from the JWT (unverified: the tests that care verify it themselves).
private func ticket(_ client: TestClient) async throws -> String {
    let reply = try await authenticate(client, signed: try signedToken())
    let token = try #require(try reply.json["Token"]?.stringValue, "sign-in answered \(reply.text)")
    let claims = try await JWTKeyCollection().unverified(token, as: ReadClaims.self)
    return claims.ticket
}

@Suite("Login service")
struct LoginServiceTests {
    @Test("a system-user sign-in gives a JWT that verifies against the JWKS, and its ticket reads tasks")
    func systemUserSignIn() async throws {
        try await withServer(try loginConfiguration()) { client in
            let reply = try await authenticate(client, signed: try signedToken())
            #expect(reply.status == 200)
            #expect(try reply.json["IsSuccessful"] == true)
            #expect(try reply.json["ErrorMessage"]?.isNull == true)
            let token = try #require(try reply.json["Token"]?.stringValue)

            let openID = try await client.send(.GET, "/login/.well-known/openid-configuration", authorization: nil)
            #expect(openID.status == 200)
            #expect(try openID.json["token_endpoint"]?.stringValue == client.baseURL + "/login/common/oauth/tokens")
            let jwksURI = try #require(try openID.json["jwks_uri"]?.stringValue)
            #expect(jwksURI.hasPrefix(client.baseURL + "/"))
            let jwks = try await client.send(.GET, String(jwksURI.dropFirst(client.baseURL.count)), authorization: nil)
            #expect(jwks.status == 200)
            #expect(try jwks.json["keys"]?[0]?["kty"]?.stringValue == "RSA")
            #expect(try jwks.json["keys"]?[0]?["kid"]?.stringValue?.isEmpty == false)

            let keys = try await JWTKeyCollection().add(jwksJSON: jwks.text)
            let claims = try await keys.verify(token, as: ReadClaims.self)
            #expect(claims.iss.value == "SuperOffice AS")
            #expect(claims.aud.value == ["spn:\(claims.serial)"])
            #expect(claims.ctx == "Cust00000")
            #expect(claims.webapiURL == client.baseURL + "/Cust00000/api/")
            #expect(claims.ticket.hasPrefix("7T:") && claims.ticket.count > 20)
            let issuedAt = try #require(Double(claims.iat))
            #expect(abs(issuedAt - Date().timeIntervalSince1970) < 60)
            #expect(claims.nbf.value.timeIntervalSince1970 <= issuedAt && issuedAt < claims.exp.value.timeIntervalSince1970)

            let read = try await client.send(
                .GET, "/api/v1/BatchTask/All", authorization: "SOTicket \(claims.ticket)", headers: [("SO-AppToken", clientSecret)])
            #expect(read.status == 200, "\(read.text)")
            #expect(try read.json.arrayValue != nil)
            // The scheme in any case, and the API where webapi_url says it is.
            let viaWebAPI = try await client.send(
                .GET, String(claims.webapiURL.dropFirst(client.baseURL.count)) + "v1/BatchTask/All",
                authorization: "soticket \(claims.ticket)", headers: [("SO-AppToken", clientSecret)])
            #expect(viaWebAPI.status == 200, "\(viaWebAPI.text)")
            let withoutAppToken = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: "SoTicket \(claims.ticket)")
            #expect(withoutAppToken.status == 401)
            let madeUp = try await client.send(
                .GET, "/api/v1/BatchTask/All", authorization: "SOTicket 7T:madeup", headers: [("SO-AppToken", clientSecret)])
            #expect(madeUp.status == 401)
        }
    }

    /// One wrong part of a sign-in each.
    enum BadSignIn: String, CaseIterable, Sendable {
        case wrongSignature, wrongClientSecret, staleTime, futureTime, wrongContext, wrongSystemUserToken, malformed
    }

    @Test("a sign-in with one wrong part is refused with IsSuccessful false and no ticket", arguments: BadSignIn.allCases)
    func refusedSignIn(_ bad: BadSignIn) async throws {
        try await withServer(try loginConfiguration(ownSigningKey: false)) { client in
            let reply: Reply
            switch bad {
            case .wrongSignature:
                reply = try await authenticate(client, signed: try signedToken(signedText: "someone else.202601010000"))
            case .wrongClientSecret:
                reply = try await authenticate(client, signed: try signedToken(), secret: "not-the-secret")
            case .staleTime:
                reply = try await authenticate(client, signed: try signedToken(at: Date().addingTimeInterval(-11 * 60)))
            case .futureTime:
                reply = try await authenticate(client, signed: try signedToken(at: Date().addingTimeInterval(11 * 60)))
            case .wrongContext:
                reply = try await authenticate(client, signed: try signedToken(), context: "Cust99999")
            case .wrongSystemUserToken:
                reply = try await authenticate(client, signed: try signedToken(token: "another app-0000"))
            case .malformed:
                reply = try await authenticate(client, signed: "no periods here")
            }
            #expect(reply.status == 200)
            #expect(try reply.json["IsSuccessful"] == false)
            #expect(try reply.json["Token"]?.isNull == true)
            let message = try #require(try reply.json["ErrorMessage"]?.stringValue)
            #expect(!message.isEmpty)
            #expect(!message.contains(clientSecret) && !message.contains(systemUserToken))
        }
    }

    @Test("a ticket past its lifetime gets 401 and the error body")
    func expiredTicket() async throws {
        // Five seconds: a loaded machine may take a second or two between issuing the ticket and the first call.
        try await withServer(try loginConfiguration(ticketLifetime: 5, ownSigningKey: false)) { client in
            let ticket = try await ticket(client)
            let headers = [("SO-AppToken", clientSecret)]
            let fresh = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: "SOTicket \(ticket)", headers: headers)
            #expect(fresh.status == 200)
            try await Task.sleep(for: .milliseconds(5300))
            let create = try await client.send(
                .POST, "/api/v1/BatchTask", body: #"{"Name": "late"}"#, authorization: "SOTicket \(ticket)", headers: headers)
            #expect(create.status == 401)
            #expect(try create.json["ErrorType"]?.stringValue == "SoAuthenticationException")
            // Never processed: nothing was created.
            let all = try await client.get("/api/v1/BatchTask/All")
            #expect(try all.json.arrayValue?.count == 0)
        }
    }

    @Test("the refresh-token grant gives a Bearer access token that admits calls until it expires")
    func refreshTokenGrant() async throws {
        // Five seconds, as for tickets: long enough for a loaded machine to use the token before it expires.
        try await withServer(try loginConfiguration(accessTokenLifetime: 5, ownSigningKey: false)) { client in
            func grant(_ form: String) async throws -> Reply {
                try await client.send(
                    .POST, "/login/common/oauth/tokens", body: form, contentType: "application/x-www-form-urlencoded", authorization: nil)
            }
            let reply = try await grant("grant_type=refresh_token&client_id=app&client_secret=\(clientSecret)&refresh_token=\(refreshToken)")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try reply.json["token_type"]?.stringValue == "Bearer")
            #expect(try reply.json["expires_in"]?.intValue == 5)
            let accessToken = try #require(try reply.json["access_token"]?.stringValue)
            #expect(accessToken.hasPrefix("8A:Cust00000."))

            let read = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: "Bearer \(accessToken)")
            #expect(read.status == 200)

            let wrongRefresh = try await grant("grant_type=refresh_token&client_id=app&client_secret=\(clientSecret)&refresh_token=other")
            #expect(wrongRefresh.status == 400)
            #expect(try wrongRefresh.json["error"]?.stringValue == "invalid_grant")
            let wrongSecret = try await grant("grant_type=refresh_token&client_id=app&client_secret=nope&refresh_token=\(refreshToken)")
            #expect(wrongSecret.status == 401)
            #expect(try wrongSecret.json["error"]?.stringValue == "invalid_client")
            let wrongGrant = try await grant("grant_type=password&client_id=app&client_secret=\(clientSecret)")
            #expect(try wrongGrant.json["error"]?.stringValue == "unsupported_grant_type")

            try await Task.sleep(for: .milliseconds(5300))
            let expired = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: "Bearer \(accessToken)")
            #expect(expired.status == 401)
        }
    }

    @Test("the tenant status answers the reference's shape; the admin path switches it, and API calls wait while it is down")
    func tenantState() async throws {
        try await withServer(try loginConfiguration(ownSigningKey: false)) { client in
            let status = try await client.send(.GET, "/api/state/Cust00000", authorization: nil)
            #expect(status.status == 200)
            #expect(try status.json["ContextIdentifier"]?.stringValue == "Cust00000")
            #expect(try status.json["State"]?.stringValue == "Running")
            #expect(try status.json["IsRunning"] == true)
            #expect(try status.json["Endpoint"]?.stringValue == client.baseURL + "/Cust00000")
            #expect(try status.json["Api"]?.stringValue == client.baseURL + "/Cust00000/api")
            #expect(try status.json["ValidUntil"]?.stringValue != nil)

            let body = #"{"State": "OfflineMaintenance"}"#
            let withoutKey = try await client.send(.POST, "/_emulator/tenant-state", body: body, authorization: nil)
            #expect(withoutKey.status == 403)
            let wrongKey = try await client.send(
                .POST, "/_emulator/tenant-state", body: body, authorization: nil, headers: [("X-Emulator-Admin-Key", "guess")])
            #expect(wrongKey.status == 403)
            let unknownState = try await client.send(
                .POST, "/_emulator/tenant-state", body: #"{"State": "Napping"}"#, authorization: nil,
                headers: [("X-Emulator-Admin-Key", adminKey)])
            #expect(unknownState.status == 400)
            let switched = try await client.send(
                .POST, "/_emulator/tenant-state", body: body, authorization: nil, headers: [("X-Emulator-Admin-Key", adminKey)])
            #expect(switched.status == 200)
            #expect(try switched.json["IsRunning"] == false)

            let down = try await client.send(.GET, "/api/state/Cust00000", authorization: nil)
            #expect(try down.json["State"]?.stringValue == "OfflineMaintenance")
            let create = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "in maintenance"}"#)
            #expect(create.status == 503)
            #expect(create.header("Retry-After") != nil)
            let read = try await client.get("/api/v1/BatchTask/All")
            #expect(read.status == 503)

            let back = try await client.send(
                .POST, "/_emulator/tenant-state", body: #"{"State": "running"}"#, authorization: nil,
                headers: [("X-Emulator-Admin-Key", adminKey)])
            #expect(back.status == 200)
            let all = try await client.get("/api/v1/BatchTask/All")
            #expect(all.status == 200)
            #expect(try all.json.arrayValue?.count == 0)
        }
    }

    @Test("the admin path does not exist without an admin key")
    func adminPathNeedsAKey() async throws {
        try await withServer(try loginConfiguration(ownSigningKey: false, admin: nil)) { client in
            let reply = try await client.send(
                .POST, "/_emulator/tenant-state", body: #"{"State": "Suspended"}"#, authorization: nil,
                headers: [("X-Emulator-Admin-Key", adminKey)])
            #expect(reply.status == 404)
        }
    }

    @Test("the API is served under /<ctx>/api/v1 beside /api/v1")
    func contextPrefix() async throws {
        try await withServer(try loginConfiguration(ownSigningKey: false)) { client in
            let created = try await client.send(.POST, "/Cust00000/api/v1/BatchTask", body: #"{"Name": "prefixed"}"#)
            #expect(created.status == 200, "\(created.text)")
            let id = try #require(try created.json.intValue)
            #expect(try await client.task(Int32(id)).name == "prefixed")
            let viaAgents = try await client.send(.POST, "/cust00000/api/v1/Agents/Batch/GetBatchTaskInfo", body: #"{"Id": \#(id)}"#)
            #expect(viaAgents.status == 200)
            #expect(try viaAgents.json["Name"]?.stringValue == "prefixed")
            let otherTenant = try await client.get("/Cust11111/api/v1/BatchTask/\(id)")
            #expect(otherTenant.status == 404)
        }
    }

    @Test("a server without the login service serves none of it")
    func withoutLoginService() async throws {
        try await withServer { client in
            #expect(try await client.get("/Cust00000/api/v1/BatchTask/All").status == 404)
            #expect(try await client.get("/api/state/Cust00000").status == 404)
            let signIn = try await authenticate(client, signed: "token.202601010000.c2ln")
            #expect(signIn.status == 401)
        }
    }

    @Test("a configured signing key signs the JWT")
    func configuredSigningKey() async throws {
        let signing = try #require(TestKeys.signing)
        try await withServer(try loginConfiguration(ownSigningKey: false)) { client in
            let reply = try await authenticate(client, signed: try signedToken())
            let token = try #require(try reply.json["Token"]?.stringValue)
            let keys = await JWTKeyCollection().add(
                rsa: try Insecure.RSA.PublicKey(backing: signing.publicKey), digestAlgorithm: .sha256)
            let claims = try await keys.verify(token, as: ReadClaims.self)
            #expect(claims.ctx == "Cust00000")
        }
    }

    @Test("a half-configured login service is refused before it starts")
    func configurationProblems() async throws {
        var configuration = try loginConfiguration()
        configuration.login?.systemUserToken = nil
        #expect(configuration.problems.contains { $0.contains("--system-user-token") })
        configuration = try loginConfiguration()
        configuration.login?.clientSecret = nil
        #expect(configuration.problems.contains { $0.contains("--client-secret") })
        configuration = try loginConfiguration()
        configuration.login?.partnerKeyPEM = "not a key"
        await #expect(throws: EmulatorError.self) { try await EmulatorServer.start(configuration) }
    }
}
