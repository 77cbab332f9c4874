import Foundation
import Synchronization

/// The tickets and access tokens the login service has issued, each with the moment it stops admitting calls.
final class IssuedCredentials: Sendable {
    /// What a presented credential turns out to be.
    enum Standing: Equatable {
        case valid
        case expired
        case unknown
    }

    private let expiries = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Remembers `credential` for `lifetime` seconds; expired ones are forgotten here so the table stays small.
    func issue(_ credential: String, lifetime: Double) {
        let now = ContinuousClock.now
        let expiry = now + .milliseconds(Int64((lifetime * 1000).rounded()))
        expiries.withLock { table in
            // An expired credential is kept a while to say "expired" rather than "unknown" in the 401.
            table = table.filter { $0.value + .seconds(3600) > now }
            table[credential] = expiry
        }
    }

    func standing(of credential: String) -> Standing {
        let now = ContinuousClock.now
        return expiries.withLock { table in
            // A dictionary lookup hashes the whole candidate, so its time does not reveal how much of it matched.
            guard let expiry = table[credential] else { return .unknown }
            return now < expiry ? .valid : .expired
        }
    }

    /// A fresh credential: `prefix` and 32 random bytes in URL-safe base64.
    static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Base64URL.encode(Data(bytes))
    }
}

/// Base64 with the URL alphabet and no padding (RFC 4648 §5), as JWKs and our credentials use it.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
