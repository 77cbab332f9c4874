import Foundation
import SystemUserLogin

/// Removes the client's own secrets from text that came from elsewhere (an error body, a library's error
/// description) before it reaches an error or a log line. Our own messages never include a secret in the first
/// place; this is for what a server, a proxy or a library might echo back, as it is or escaped.
struct Redactor: Sendable {
    static let marker = "[redacted]"

    /// Every written form of every secret, longest first, so the Authorization value goes before the password
    /// inside it.
    private let forms: [String]
    /// Tickets and tokens a sign-in obtains during the run.
    private let session: OnlineSession?

    init(credentials: Credentials?, appToken: String?, session: OnlineSession? = nil) {
        let all = (credentials?.secrets ?? []) + [appToken].compactMap { $0 }
        forms = Self.forms(of: all)
        self.session = session
    }

    func callAsFunction(_ text: String) -> String {
        let text = Redactor.replace(forms, in: text)
        return session?.redact(text) ?? text
    }
}

extension Redactor {
    /// `text` without any of `secrets` in any written form (see `forms(of:)`), each replaced by the marker.
    static func remove(_ secrets: [String], from text: String) -> String {
        replace(forms(of: secrets), in: text)
    }

    /// Each secret as it is and as the texts that quote it write it: Swift's debug description (`\u{01}`, `\t`,
    /// `\"`, as a library's error lists values), JSON (`\u0001` in either case, `\t`, `\/`) and percent-encoding.
    /// Longest first, no duplicates, no empty text.
    static func forms(of secrets: [String]) -> [String] {
        var forms = Set<String>()
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            forms.insert(String(secret.debugDescription.dropFirst().dropLast()))
            for short in [true, false] {
                for uppercase in [true, false] {
                    let json = jsonEscaped(secret, shortForms: short, uppercase: uppercase)
                    forms.insert(json)
                    forms.insert(json.replacingOccurrences(of: "/", with: "\\/"))
                }
            }
            for uppercase in [true, false] { forms.insert(FormEncoding.escape(secret, uppercase: uppercase)) }
        }
        return forms.filter { !$0.isEmpty }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    private static func replace(_ forms: [String], in text: String) -> String {
        var text = text
        for form in forms where text.contains(form) {
            text = text.replacingOccurrences(of: form, with: marker)
        }
        return text
    }

    /// The inside of a JSON string: `"` and `\` escaped, control characters as `\n`-style short forms (when
    /// `shortForms`) or `\u00XX`.
    private static func jsonEscaped(_ text: String, shortForms: Bool, uppercase: Bool) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n" where shortForms: result += "\\n"
            case "\r" where shortForms: result += "\\r"
            case "\t" where shortForms: result += "\\t"
            case "\u{08}" where shortForms: result += "\\b"
            case "\u{0C}" where shortForms: result += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: uppercase)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
