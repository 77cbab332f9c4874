import Foundation

/// Removes the client's own secrets from text that came from elsewhere (an error body, a library's error
/// description) before it reaches an error or a log line. Our own messages never include a secret in the first
/// place; this is for what a server or proxy might echo back.
struct Redactor: Sendable {
    static let marker = "[redacted]"

    /// Longest first, so the Authorization value goes before the password inside it.
    private let secrets: [String]
    /// Tickets and tokens a sign-in obtains during the run.
    private let session: OnlineSession?

    init(credentials: Credentials?, appToken: String?, session: OnlineSession? = nil) {
        let all = (credentials?.secrets ?? []) + [appToken].compactMap { $0 }
        secrets = Array(Set(all.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
        self.session = session
    }

    func callAsFunction(_ text: String) -> String {
        let text = Redactor.remove(secrets, from: text)
        return session?.redact(text) ?? text
    }
}

extension Redactor {
    /// `text` without any of `secrets`, longest first, each replaced by the marker.
    static func remove(_ secrets: [String], from text: String) -> String {
        var text = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty && text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: marker)
        }
        return text
    }
}
