@testable import APIClient
@testable import Emulator
import Foundation
import Hummingbird
import JSON
import JWTKit
import Logging
import Serving
import SystemUserLogin
import Testing
import _CryptoExtras

/// A real login service on loopback that signs real RS256 JWTs with the claims a test chooses, and answers the
/// tenant's API with what a test chooses: how a hostile or broken SuperOffice Online looks to the client.
final class ScriptedLoginService: Sendable {
    /// What the service says; the defaults are an honest service.
    struct Script: Sendable {
        var ticket = "7T:scripted-ticket"
        var audience = Audience.serial
        var serial: String? = "DB-SERIAL-1"
        /// The JWKS body instead of the real one.
        var jwks: [UInt8]?
        /// The tenant status's `Endpoint`.
        var tenantEndpoint: String?
        /// What the tenant's API answers every request with.
        var apiStatus: HTTPResponse.Status = .misdirectedRequest
    }

    /// The JWT's `aud` claim.
    enum Audience: Sendable {
        /// `spn:<serial>`, as api.md says.
        case serial
        case none
        case other(String)
    }

    static let context = "Cust00001"
    /// Made once: a 2048-bit key takes long enough in a debug build to hold up the servers of tests running beside.
    static let keys: (signing: _RSA.Signing.PrivateKey, partner: _RSA.Signing.PrivateKey)? = {
        guard let signing = try? _RSA.Signing.PrivateKey(keySize: .bits2048),
              let partner = try? _RSA.Signing.PrivateKey(keySize: .bits2048)
        else { return nil }
        return (signing, partner)
    }()
    static let systemUserToken = "SYS-scripted-system-user-token"
    static let clientSecret = "scripted-client-secret"

    let port: Int
    private let service: ListeningService
    /// Requests per path, for tests that count attempts.
    private let counts: RequestCounts

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, service: ListeningService, counts: RequestCounts) {
        self.port = port
        self.service = service
        self.counts = counts
    }

    func requests(_ path: String) async -> Int { await counts.count(path) }

    static func start(_ script: Script) async throws -> ScriptedLoginService {
        let signer = try await LoginSigner.make(privateKeyPEM: try #require(Self.keys).signing.pemRepresentation)
        let jwks = script.jwks ?? signer.jwksJSON
        let counts = RequestCounts()

        let router = Router()
        router.add(middleware: CountingMiddleware(counts: counts))
        let origin = OriginBox()
        router.get("/login/.well-known/openid-configuration") { _, _ in
            Self.json(["jwks_uri": .string(origin.value + "/login/jwks"), "issuer": "SuperOffice AS"])
        }
        router.get("/login/jwks") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: jwks)))
        }
        router.post("/Login/api/PartnerSystemUser/Authenticate") { _, _ in
            let claims = SystemUserClaims(
                ticket: script.ticket, contextIdentifier: Self.context, serial: script.serial,
                webAPIURL: origin.value + "/\(Self.context)/api/",
                issuer: IssuerClaim(value: LoginService.systemUserIssuer),
                audience: Self.audience(script),
                expiration: ExpirationClaim(value: Date().addingTimeInterval(3600)))
            let token = try await signer.sign(claims)
            return Self.json(["IsSuccessful": true, "Token": .string(token)])
        }
        router.get("/api/state/:context") { _, _ in
            var status: JSONValue.Object = ["State": "Running", "IsRunning": true]
            if let endpoint = script.tenantEndpoint { status["Endpoint"] = .string(endpoint) }
            return Self.json(.object(status))
        }
        router.get("/\(Self.context)/api/v1/**") { _, _ in
            Response(status: script.apiStatus, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"Error":true,"ErrorMessage":"scripted"}"#)))
        }
        var logger = Logger(label: "scripted-login")
        logger.logLevel = .critical
        let service = try await ListeningService.start(logger: logger) { listening in
            Application(
                router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in
                    if let port = channel.localAddress?.port { origin.set("http://127.0.0.1:\(port)") }
                    await listening(channel.localAddress?.port)
                },
                logger: logger)
        }
        return ScriptedLoginService(port: service.port, service: service, counts: counts)
    }

    func stop() async {
        await service.stop()
    }

    /// System-user credentials for this service, with a fresh partner key (the service does not check the signature).
    func credentials() throws -> OnlineCredentials {
        .systemUser(OnlineCredentials.SystemUser(
            systemUserToken: Self.systemUserToken, privateKey: try #require(Self.keys).partner,
            clientSecret: Self.clientSecret, contextIdentifier: Self.context, loginURL: baseURL + "/Login"))
    }

    /// Runs `body` with a session signed in to nothing yet, and stops the service and the session afterwards.
    static func with<T>(_ script: Script, timeout: Duration = .seconds(5),
                        _ body: (ScriptedLoginService, OnlineSession) async throws -> T) async throws -> T {
        let service = try await start(script)
        let session = OnlineSession(credentials: try service.credentials(), timeout: timeout)
        do {
            let result = try await body(service, session)
            await session.shutdown()
            await service.stop()
            return result
        } catch {
            await session.shutdown()
            await service.stop()
            throw error
        }
    }

    private static func audience(_ script: Script) -> AudienceClaim? {
        switch script.audience {
        case .serial: return AudienceClaim(value: ["spn:\(script.serial ?? "DB-SERIAL-1")"])
        case .none: return nil
        case .other(let value): return AudienceClaim(value: [value])
        }
    }

    private static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }
}

/// The service's own origin, known once it listens.
private final class OriginBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = ""
    var value: String { lock.withLock { stored } }
    func set(_ origin: String) { lock.withLock { stored = origin } }
}

private actor RequestCounts {
    private var counts: [String: Int] = [:]
    func add(_ path: String) { counts[path, default: 0] += 1 }
    func count(_ path: String) -> Int { counts[path] ?? 0 }
}

private struct CountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let counts: RequestCounts
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        await counts.add(request.uri.path)
        return try await next(request, context)
    }
}
