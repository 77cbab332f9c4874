import Foundation
import _CryptoExtras

/// How a program signs in to SuperOffice Online by itself (api.md, "Authentication on SuperOffice Online"): the
/// system-user flow, or an OAuth refresh token. Read from the environment only; printing or dumping a value never
/// shows a secret.
public enum OnlineCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case systemUser(SystemUser)
    case refreshToken(RefreshToken)

    /// The system-user flow: the tenant's system user token, signed with the partner application's RSA key.
    public struct SystemUser: Sendable {
        public var systemUserToken: String
        public var privateKey: _RSA.Signing.PrivateKey
        /// The application token (client secret): `ApplicationToken` at sign-in, `SO-AppToken` on every call.
        public var clientSecret: String
        /// The tenant: `Cust12345`.
        public var contextIdentifier: String
        /// Where the login service lives: `https://online.superoffice.com/Login`.
        public var loginURL: String
    }

    /// An OAuth refresh token from the authorization-code flow, exchanged for `Bearer` access tokens.
    public struct RefreshToken: Sendable {
        public var refreshToken: String
        public var clientID: String
        public var clientSecret: String
        public var loginURL: String
        /// The tenant, when `BATCHCTL_CONTEXT_IDENTIFIER` names it: then the tenant status is checked before a write.
        public var contextIdentifier: String?
    }

    /// The environment variables cli.md names for SuperOffice Online.
    public enum Variable {
        public static let systemUserToken = "BATCHCTL_SYSTEM_USER_TOKEN"
        public static let privateKeyFile = "BATCHCTL_PRIVATE_KEY_FILE"
        public static let clientSecret = "BATCHCTL_CLIENT_SECRET"
        public static let contextIdentifier = "BATCHCTL_CONTEXT_IDENTIFIER"
        public static let loginURL = "BATCHCTL_LOGIN_URL"
        public static let refreshToken = "BATCHCTL_REFRESH_TOKEN"
        public static let clientID = "BATCHCTL_CLIENT_ID"
    }

    /// The largest key file read: an RSA key of 16,384 bits is about 13 KiB in any of the three forms.
    static let maximumKeyFileBytes = 64 << 10

    /// The credentials the environment names, or nil when it names neither flow. `endpoint` (the one given, if any)
    /// decides the default login service. A flow with a variable missing, both flows at once, or a key that cannot
    /// be read is an error that names the variables, never their values.
    public static func fromEnvironment(_ environment: [String: String], endpoint: String?) throws(ClientError) -> OnlineCredentials? {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let systemUserToken = value(Variable.systemUserToken)
        let keyFile = value(Variable.privateKeyFile)
        let refreshToken = value(Variable.refreshToken)
        guard systemUserToken != nil || keyFile != nil || refreshToken != nil else { return nil }
        if refreshToken != nil, systemUserToken != nil || keyFile != nil {
            throw .configuration(
                "credentials are ambiguous: \(Variable.refreshToken) and \(systemUserToken != nil ? Variable.systemUserToken : Variable.privateKeyFile) "
                    + "are both set; keep the system-user flow or the refresh token")
        }
        let loginURL = try value(Variable.loginURL).map { url throws(ClientError) in try checkedLoginURL(url) }
            ?? defaultLoginURL(endpoint: endpoint)
        guard let clientSecret = value(Variable.clientSecret) else {
            throw .configuration("\(Variable.clientSecret) is not set: SuperOffice Online needs the application's client secret")
        }
        // Sent as SO-AppToken on every call.
        try Credentials.checkHeaderValue(clientSecret, named: Variable.clientSecret)
        if let refreshToken {
            guard let clientID = value(Variable.clientID) else {
                throw .configuration("\(Variable.refreshToken) is set but \(Variable.clientID) is not")
            }
            return .refreshToken(RefreshToken(
                refreshToken: refreshToken, clientID: clientID, clientSecret: clientSecret, loginURL: loginURL,
                contextIdentifier: try value(Variable.contextIdentifier).map { id throws(ClientError) in try checkedContext(id) }))
        }
        guard let systemUserToken else {
            throw .configuration("\(Variable.privateKeyFile) is set but \(Variable.systemUserToken) is not")
        }
        guard let keyFile else {
            throw .configuration("\(Variable.systemUserToken) is set but \(Variable.privateKeyFile) is not: the system-user flow signs the token with the application's private key")
        }
        guard let contextIdentifier = value(Variable.contextIdentifier) else {
            throw .configuration("\(Variable.systemUserToken) is set but \(Variable.contextIdentifier) is not: name the tenant (Cust12345)")
        }
        let context = try checkedContext(contextIdentifier)
        return .systemUser(SystemUser(
            systemUserToken: systemUserToken, privateKey: try readPrivateKey(keyFile), clientSecret: clientSecret,
            contextIdentifier: context, loginURL: loginURL))
    }

    /// The tenant named by these credentials, when they name one.
    public var contextIdentifier: String? {
        switch self {
        case .systemUser(let user): return user.contextIdentifier
        case .refreshToken(let token): return token.contextIdentifier
        }
    }

    public var loginURL: String {
        switch self {
        case .systemUser(let user): return user.loginURL
        case .refreshToken(let token): return token.loginURL
        }
    }

    var clientSecret: String {
        switch self {
        case .systemUser(let user): return user.clientSecret
        case .refreshToken(let token): return token.clientSecret
        }
    }

    /// The texts that must never leave the process.
    var secrets: [String] {
        switch self {
        case .systemUser(let user): return [user.systemUserToken, user.clientSecret]
        case .refreshToken(let token): return [token.refreshToken, token.clientSecret]
        }
    }

    /// The variable to name when the API refuses what these credentials gave.
    var variableNames: String {
        switch self {
        case .systemUser: return "\(Variable.systemUserToken), \(Variable.privateKeyFile) and \(Variable.clientSecret)"
        case .refreshToken: return "\(Variable.refreshToken), \(Variable.clientID) and \(Variable.clientSecret)"
        }
    }

    public var description: String {
        switch self {
        case .systemUser(let user): return "SuperOffice Online system user (\(user.contextIdentifier))"
        case .refreshToken: return "SuperOffice Online refresh token"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }

    // MARK: - The login service

    /// The login service for `endpoint`: on `*.superoffice.com` the environment's login host (`sod`, `qaonline`,
    /// `online`; numbered data hosts such as `online2` belong to `online`); elsewhere (the emulator) the endpoint's
    /// own origin; with no endpoint, production.
    public static func defaultLoginURL(endpoint: String?) -> String {
        guard let endpoint, let origin = try? Endpoint(endpoint).origin else { return "https://online.superoffice.com/Login" }
        let host = origin.drop(while: { $0 != ":" }).dropFirst(3).lowercased()
        guard host.hasSuffix(".superoffice.com") else { return origin + "/Login" }
        let label = host.prefix(while: { $0 != "." })
        let environment: Substring
        if label.hasPrefix("qaonline") {
            environment = "qaonline"
        } else if label.hasPrefix("online") {
            environment = "online"
        } else if label.hasPrefix("sod") {
            environment = "sod"
        } else {
            environment = label
        }
        return "https://\(environment).superoffice.com/Login"
    }

    private static func checkedLoginURL(_ url: String) throws(ClientError) -> String {
        try Endpoint(url, named: Variable.loginURL).root
    }

    /// `Cust12345`: letters and digits, so it can sit in a URL path and a state's binding as it is.
    private static func checkedContext(_ text: String) throws(ClientError) -> String {
        guard text.count <= 64, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .configuration("\(Variable.contextIdentifier) must be the tenant's context identifier, letters and digits (Cust12345)")
        }
        return text
    }

    // MARK: - The private key

    /// PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`) or the `<RSAKeyValue>` XML the developer portal
    /// hands out.
    static func readPrivateKey(_ path: String) throws(ClientError) -> _RSA.Signing.PrivateKey {
        let variable = Variable.privateKeyFile
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .configuration("\(variable): cannot read \(path)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumKeyFileBytes + 1) ?? Data()
        } catch {
            throw .configuration("\(variable): cannot read \(path)")
        }
        guard data.count <= maximumKeyFileBytes else {
            throw .configuration("\(variable): \(path) is larger than \(maximumKeyFileBytes >> 10) KiB, too large for a key")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .configuration("\(variable): \(path) is not text (PEM or <RSAKeyValue> XML)")
        }
        return try privateKey(text, path: path)
    }

    static func privateKey(_ text: String, path: String) throws(ClientError) -> _RSA.Signing.PrivateKey {
        let variable = Variable.privateKeyFile
        if text.contains("<RSAKeyValue") {
            guard let parts = RSAKeyValue(text) else {
                throw .configuration("\(variable): \(path) is not a complete <RSAKeyValue> (Modulus, Exponent, D, P and Q in base64)")
            }
            do {
                return try _RSA.Signing.PrivateKey(n: parts.modulus, e: parts.exponent, d: parts.d, p: parts.p, q: parts.q)
            } catch {
                throw .configuration("\(variable): \(path) holds an <RSAKeyValue> that is not a valid RSA private key of 2048 bits or more")
            }
        }
        guard text.contains("-----BEGIN") else {
            throw .configuration("\(variable): \(path) is neither PEM nor <RSAKeyValue> XML")
        }
        guard !text.contains("ENCRYPTED") else {
            throw .configuration("\(variable): \(path) is encrypted; give the key without a passphrase (keep the file readable by you alone)")
        }
        do {
            return try _RSA.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw .configuration("\(variable): \(path) is not an RSA private key of 2048 bits or more in PEM (PKCS#1 or PKCS#8)")
        }
    }
}

/// The parts of an `<RSAKeyValue>` document (.NET's `RSA.ToXmlString(true)`), each base64 big-endian bytes.
struct RSAKeyValue {
    var modulus: Data
    var exponent: Data
    var d: Data
    var p: Data
    var q: Data

    /// Reads the five elements the key needs (DP, DQ and InverseQ follow from them); nil when one is missing or is
    /// not base64. A plain scan: the document is flat, and no DTD or entity can mean anything here.
    init?(_ text: String) {
        func element(_ name: String) -> Data? {
            guard let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
            else { return nil }
            let content = text[open.upperBound..<close.lowerBound].filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: String(content)), !data.isEmpty else { return nil }
            return data
        }
        guard let modulus = element("Modulus"), let exponent = element("Exponent"), let d = element("D"),
              let p = element("P"), let q = element("Q")
        else { return nil }
        (self.modulus, self.exponent, self.d, self.p, self.q) = (modulus, exponent, d, p, q)
    }
}
