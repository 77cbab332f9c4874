import Foundation

/// An http(s) URL that passed the one rule for every URL batchctl sends to or binds a state to: the scheme is http or
/// https, there is a host, a port (when one is written) is a number from 1 to 65535, and there are no credentials,
/// spaces, backslashes or control characters. The HTTP stack below traps on a port it cannot fit in 16 bits, so no
/// URL reaches it without passing here; each URL is checked where it is read, and the message names where it came
/// from (a flag, a variable, a claim of the login service).
public struct CheckedURL: Sendable, Hashable {
    /// `http` or `https`, in lower case.
    public let scheme: String
    /// `host[:port]` as written.
    public let authority: String
    /// The host: a name, an IPv4 address, or an IPv6 address in brackets.
    public let host: String
    /// The port when one is written.
    public let port: Int?
    /// What follows the authority: the path, query and fragment as written.
    public let remainder: String

    /// `scheme://authority`.
    public var origin: String { scheme + "://" + authority }

    /// Checks `text` (surrounding white space ignored); `name` is what the message calls it (`--notify-url`,
    /// `BATCHCTL_LOGIN_URL`, `the endpoint`), and the message never repeats the URL, which may carry a secret.
    public init(_ text: String, named name: String) throws(ClientError) {
        func problem(_ message: String) -> ClientError { .configuration("\(name) \(message)") }
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw problem("must be an http:// or https:// URL")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == " " || $0 == "\\" }) else {
            throw problem("contains spaces, backslashes or control characters")
        }
        let afterScheme = text.dropFirst(scheme.count + 3)
        let authority = afterScheme.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.contains("@") else {
            throw problem(
                "must not carry credentials; give them in \(Credentials.Variable.user) and "
                    + "\(Credentials.Variable.password) (or \(Credentials.Variable.ticket), \(Credentials.Variable.token))")
        }
        let host: Substring
        let portText: Substring?
        var port: Int?
        if authority.hasPrefix("[") {
            // An IPv6 literal: `[::1]` or `[::1]:8080`.
            guard let close = authority.firstIndex(of: "]") else { throw problem("has an IPv6 address without its closing ']'") }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { throw problem("has text after its IPv6 address's ']'") }
            portText = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
            portText = nil
        }
        guard host.count > (host.hasPrefix("[") ? 2 : 0) else { throw problem("has no host name") }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(portText), (1...65_535).contains(number)
            else {
                throw problem("has the port '\(portText.prefix(12))': a port is a number from 1 to 65535")
            }
            port = number
        }
        self.scheme = scheme
        self.port = port
        self.authority = String(authority)
        self.host = String(host)
        remainder = String(afterScheme.dropFirst(authority.count))
    }
}
