import Foundation

/// How the client authenticates: Basic, a SoTicket or a Bearer token. Printing, dumping or logging a value never
/// shows the secret.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    enum Kind: Sendable, Hashable {
        case basic(user: String)
        case ticket
        case bearer
    }

    let kind: Kind
    /// Built once: every request sends it, and base64 per request would be wasted work.
    public let authorizationHeader: String
    /// The secret as given (password, ticket or token), for redacting it from anything the server echoes back.
    let secret: String

    private init(kind: Kind, authorizationHeader: String, secret: String) {
        self.kind = kind
        self.authorizationHeader = authorizationHeader
        self.secret = secret
    }

    public static func basic(user: String, password: String) -> Credentials {
        let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
        return Credentials(kind: .basic(user: user), authorizationHeader: "Basic " + encoded, secret: password)
    }

    /// `SoTicket <ticket>`: the ticket is sent as given.
    public static func ticket(_ ticket: String) -> Credentials {
        Credentials(kind: .ticket, authorizationHeader: "SoTicket " + ticket, secret: ticket)
    }

    /// `Bearer <token>`.
    public static func bearer(_ token: String) -> Credentials {
        Credentials(kind: .bearer, authorizationHeader: "Bearer " + token, secret: token)
    }

    /// The environment variables cli.md names for each kind.
    public enum Variable {
        public static let user = "BATCHCTL_USER"
        public static let password = "BATCHCTL_PASSWORD"
        public static let passwordFile = "BATCHCTL_PASSWORD_FILE"
        public static let ticket = "BATCHCTL_TICKET"
        public static let token = "BATCHCTL_TOKEN"
        public static let appToken = "BATCHCTL_APP_TOKEN"
    }

    /// Credentials from `BATCHCTL_USER` + `BATCHCTL_PASSWORD` (or `BATCHCTL_PASSWORD_FILE`), `BATCHCTL_TICKET` or
    /// `BATCHCTL_TOKEN`; nil when none is set. An empty variable counts as unset, as `export X=` usually means
    /// "off". More than one kind, half a Basic pair, or an unreadable password file is an error, never a guess.
    /// (`BATCHCTL_APP_TOKEN` is a separate header: see `ClientConfiguration.readEnvironment(_:)`.)
    public static func fromEnvironment(_ environment: [String: String]) throws(ClientError) -> Credentials? {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        let user = value(Variable.user)
        let password = value(Variable.password)
        let passwordFile = value(Variable.passwordFile)
        let ticket = value(Variable.ticket)
        let token = value(Variable.token)

        var kinds: [String] = []
        if user != nil || password != nil || passwordFile != nil {
            kinds.append([(Variable.user, user), (Variable.password, password), (Variable.passwordFile, passwordFile)]
                .compactMap { $0.1 == nil ? nil : $0.0 }.joined(separator: " + "))
        }
        if ticket != nil { kinds.append(Variable.ticket) }
        if token != nil { kinds.append(Variable.token) }
        guard kinds.count <= 1 else {
            throw .configuration(
                "credentials are ambiguous: \(kinds.joined(separator: ", ")) are all set; keep one kind "
                    + "(\(Variable.user) + \(Variable.password) for Basic, \(Variable.ticket) or \(Variable.token))")
        }
        if let ticket {
            try checkHeaderValue(ticket, named: Variable.ticket)
            return .ticket(ticket)
        }
        if let token {
            try checkHeaderValue(token, named: Variable.token)
            return .bearer(token)
        }
        guard user != nil || password != nil || passwordFile != nil else { return nil }

        guard let user else {
            throw .configuration("\(password != nil ? Variable.password : Variable.passwordFile) is set but \(Variable.user) is not")
        }
        // RFC 7617: the user-id ends at the first colon, so a colon in it would move part of it into the password.
        guard !user.contains(":") else { throw .configuration("\(Variable.user) must not contain a colon") }
        if password != nil, passwordFile != nil {
            throw .configuration("both \(Variable.password) and \(Variable.passwordFile) are set; keep one")
        }
        if let password { return .basic(user: user, password: password) }
        guard let passwordFile else {
            throw .configuration("\(Variable.user) is set but neither \(Variable.password) nor \(Variable.passwordFile) is")
        }
        return .basic(user: user, password: try readPassword(passwordFile))
    }

    /// Refuses a value for an HTTP header that holds a control character (any but a tab, as RFC 9110 and the HTTP
    /// client have it): sending it would fail on every attempt, and the client's error would quote the secret.
    /// The message names `name` and the character, never the value.
    public static func checkHeaderValue(_ value: String, named name: String) throws(ClientError) {
        if let character = controlCharacter(in: value) {
            throw .configuration("\(name) contains a control character (\(character)), which no HTTP header can carry")
        }
    }

    /// Whether a header may not carry `value`: a control character but a tab, which could end the header and
    /// smuggle others in.
    static func isForbiddenInHeader(_ value: UInt32) -> Bool {
        (value < 0x20 && value != 0x09) || value == 0x7F
    }

    /// The first control character (but a tab) in `value`, as `U+0001`; nil when there is none.
    static func controlCharacter(in value: String) -> String? {
        guard let scalar = value.unicodeScalars.first(where: { isForbiddenInHeader($0.value) }) else { return nil }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The file's content without its trailing line break(s), which editors and `echo` add but nobody means.
    private static func readPassword(_ path: String) throws(ClientError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // The path is not secret; the underlying error text is not needed and could be long.
            throw .configuration("\(Variable.passwordFile): cannot read \(path)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw .configuration("\(Variable.passwordFile): \(path) is not UTF-8 text")
        }
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text.removeLast() }
        guard !text.isEmpty else { throw .configuration("\(Variable.passwordFile): \(path) is empty") }
        return text
    }

    /// The texts that must never leave the process: the secret, and the header that carries it.
    var secrets: [String] {
        var list = [secret, authorizationHeader]
        if case .basic = kind, let space = authorizationHeader.firstIndex(of: " ") {
            list.append(String(authorizationHeader[authorizationHeader.index(after: space)...]))
        }
        return list
    }

    public var description: String {
        switch kind {
        case .basic(let user): return "Basic (user \(user))"
        case .ticket: return "SoTicket"
        case .bearer: return "Bearer"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and the debugger would otherwise list the stored secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
