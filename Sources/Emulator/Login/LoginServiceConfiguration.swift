/// The emulator as SuperOffice Online's login service: the partner application it knows, the tenant it plays, and
/// how long what it issues lasts.
public struct LoginServiceConfiguration: Sendable {
    /// The partner application's RSA public key (PEM) that signed system user tokens are checked against.
    public var partnerKeyPEM: String?
    /// The application's client secret: the `ApplicationToken` of a sign-in, the `client_secret` of the token
    /// endpoint, and the `SO-AppToken` that calls with an issued ticket must carry.
    public var clientSecret: String?
    /// The system user token the tenant gave the partner application.
    public var systemUserToken: String?
    /// The tenant's context identifier (`Cust00000`); the API is also served under `/<ctx>/api/v1`.
    public var contextIdentifier: String
    /// The database serial in the JWT's `serial` claim and its audience (`spn:<serial>`).
    public var databaseSerial: String
    public var ticketLifetimeSeconds: Double
    public var accessTokenLifetimeSeconds: Double
    /// The RSA private key (PEM) that signs the JWTs; nil makes a fresh key at start.
    public var signingKeyPEM: String?
    /// The key the tenant-state control path asks for; nil leaves that path unserved (404).
    public var adminKey: String?
    /// Our choice: the refresh tokens the token endpoint accepts are the configured ones, since the emulator plays
    /// no authorization-code flow that would hand them out.
    public var refreshTokens: [String]
    /// Fault: the login service's clock is this many seconds ahead when it checks a signed token's time, so a
    /// correctly signed token looks stale (or, negative, from the future).
    public var clockOffsetSeconds: Double = 0

    public init(
        partnerKeyPEM: String? = nil, clientSecret: String? = nil, systemUserToken: String? = nil,
        contextIdentifier: String = "Cust00000", databaseSerial: String = "1000000001", ticketLifetimeSeconds: Double = 10_800,
        accessTokenLifetimeSeconds: Double = 3600, signingKeyPEM: String? = nil, adminKey: String? = nil,
        refreshTokens: [String] = []
    ) {
        self.partnerKeyPEM = partnerKeyPEM
        self.clientSecret = clientSecret
        self.systemUserToken = systemUserToken
        self.contextIdentifier = contextIdentifier
        self.databaseSerial = databaseSerial
        self.ticketLifetimeSeconds = ticketLifetimeSeconds
        self.accessTokenLifetimeSeconds = accessTokenLifetimeSeconds
        self.signingKeyPEM = signingKeyPEM
        self.adminKey = adminKey
        self.refreshTokens = refreshTokens
    }

    /// Whether sign-ins with a signed system user token can succeed.
    public var offersSystemUserFlow: Bool { partnerKeyPEM != nil && systemUserToken != nil }

    /// Fills what flags left unset from `BATCHCTL_SERVE_CLIENT_SECRET`, `BATCHCTL_SERVE_SYSTEM_USER_TOKEN`,
    /// `BATCHCTL_SERVE_ADMIN_KEY`, and adds the comma-separated `BATCHCTL_SERVE_REFRESH_TOKENS`.
    public mutating func addEnvironment(_ environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if clientSecret == nil { clientSecret = value("BATCHCTL_SERVE_CLIENT_SECRET") }
        if systemUserToken == nil { systemUserToken = value("BATCHCTL_SERVE_SYSTEM_USER_TOKEN") }
        if adminKey == nil { adminKey = value("BATCHCTL_SERVE_ADMIN_KEY") }
        refreshTokens += (environment["BATCHCTL_SERVE_REFRESH_TOKENS"] ?? "").split(separator: ",")
            .map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    /// The configuration's mistakes, each a sentence for the user (never repeating a secret).
    var problems: [String] {
        var problems: [String] = []
        if (partnerKeyPEM == nil) != (systemUserToken == nil) {
            problems.append("the system-user flow needs both --partner-key and --system-user-token")
        }
        if (offersSystemUserFlow || !refreshTokens.isEmpty) && clientSecret == nil {
            problems.append("the login service needs --client-secret (or BATCHCTL_SERVE_CLIENT_SECRET) to check applications")
        }
        if contextIdentifier.isEmpty || !contextIdentifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            problems.append("the context identifier must be letters and digits, such as Cust12345")
        }
        for (name, seconds) in [("ticket lifetime", ticketLifetimeSeconds), ("access-token lifetime", accessTokenLifetimeSeconds)]
        where !(seconds > 0 && seconds <= 366 * 86_400) {
            problems.append("the \(name) must be more than 0 and at most 31622400 seconds")
        }
        if !(abs(clockOffsetSeconds) <= 366 * 86_400) {
            problems.append("the login clock offset must be at most 31622400 seconds either way")
        }
        return problems
    }
}
