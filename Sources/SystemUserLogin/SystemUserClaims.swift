import Foundation
import JWTKit

/// The claims of a SuperOffice Online system-user JWT, named as the reference's token shows them: what the login
/// service signs and what the client reads back. A claim a login service may leave out is optional.
public struct SystemUserClaims: JWTPayload {
    /// Clocks drift: a JWT whose `nbf` is up to two minutes ahead of the reader's clock is accepted.
    public static let notBeforeLeeway: TimeInterval = 120

    public var ticket: String
    public var contextIdentifier: String
    public var serial: String?
    public var webAPIURL: String
    public var issuer: IssuerClaim
    public var audience: AudienceClaim?
    public var expiration: ExpirationClaim
    public var notBefore: NotBeforeClaim?
    /// The reference's sample token writes `iat` as a string of seconds (`nbf` and `exp` as numbers).
    public var issuedAt: String?

    public enum CodingKeys: String, CodingKey {
        case ticket = "http://schemes.superoffice.net/identity/ticket"
        case contextIdentifier = "http://schemes.superoffice.net/identity/ctx"
        case serial = "http://schemes.superoffice.net/identity/serial"
        case webAPIURL = "http://schemes.superoffice.net/identity/webapi_url"
        case issuer = "iss"
        case audience = "aud"
        case expiration = "exp"
        case notBefore = "nbf"
        case issuedAt = "iat"
    }

    public init(ticket: String, contextIdentifier: String, serial: String?, webAPIURL: String, issuer: IssuerClaim,
                audience: AudienceClaim?, expiration: ExpirationClaim, notBefore: NotBeforeClaim? = nil,
                issuedAt: String? = nil) {
        self.ticket = ticket
        self.contextIdentifier = contextIdentifier
        self.serial = serial
        self.webAPIURL = webAPIURL
        self.issuer = issuer
        self.audience = audience
        self.expiration = expiration
        self.notBefore = notBefore
        self.issuedAt = issuedAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ticket = try container.decode(String.self, forKey: .ticket)
        contextIdentifier = try container.decode(String.self, forKey: .contextIdentifier)
        serial = try container.decodeIfPresent(String.self, forKey: .serial)
        webAPIURL = try container.decode(String.self, forKey: .webAPIURL)
        issuer = try container.decode(IssuerClaim.self, forKey: .issuer)
        audience = try container.decodeIfPresent(AudienceClaim.self, forKey: .audience)
        expiration = try container.decode(ExpirationClaim.self, forKey: .expiration)
        notBefore = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .notBefore)
        // Nothing reads `iat`, and a login service may write it as a number: its form must not refuse a sign-in.
        issuedAt = try? container.decodeIfPresent(String.self, forKey: .issuedAt)
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
        try notBefore?.verifyNotBefore(currentDate: Date().addingTimeInterval(Self.notBeforeLeeway))
    }
}
