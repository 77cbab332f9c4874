/// Who may call the emulator: Basic users, SoTickets and Bearer tokens (any one of them admits a request), and the
/// partner application token that, when set, every request must also carry.
public struct AuthenticationConfiguration: Sendable {
    /// False only for `--no-auth`: every request is admitted without credentials.
    public var isEnabled: Bool
    public var users: [BasicCredential]
    public var tickets: [String]
    public var tokens: [String]
    /// When set, `SO-AppToken` must equal it; when nil, the header is accepted and ignored.
    public var appToken: String?

    public init(
        isEnabled: Bool = true, users: [BasicCredential] = [], tickets: [String] = [], tokens: [String] = [],
        appToken: String? = nil
    ) {
        self.isEnabled = isEnabled
        self.users = users
        self.tickets = tickets
        self.tokens = tokens
        self.appToken = appToken
    }

    /// No way in at all: authentication on, and no credential of any kind.
    public var admitsNobody: Bool { isEnabled && users.isEmpty && tickets.isEmpty && tokens.isEmpty }

    /// Adds the credentials of `BATCHCTL_SERVE_USERS` (comma-separated `name:password`), `BATCHCTL_SERVE_TICKETS`,
    /// `BATCHCTL_SERVE_TOKENS` (comma-separated) and `BATCHCTL_SERVE_APP_TOKEN` (unless an app token is already set).
    public mutating func addEnvironment(_ environment: [String: String]) throws(CredentialError) {
        for item in Self.list(environment["BATCHCTL_SERVE_USERS"]) {
            guard let user = BasicCredential(parsing: item) else {
                throw CredentialError(message: "BATCHCTL_SERVE_USERS: expected comma-separated NAME:PASSWORD entries")
            }
            users.append(user)
        }
        tickets += Self.list(environment["BATCHCTL_SERVE_TICKETS"])
        tokens += Self.list(environment["BATCHCTL_SERVE_TOKENS"])
        if appToken == nil, let token = environment["BATCHCTL_SERVE_APP_TOKEN"], !token.isEmpty { appToken = token }
    }

    private static func list(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }
}
