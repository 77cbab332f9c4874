import Foundation
import SystemUserLogin
import _CryptoExtras

/// A `SignedSystemToken`: `<system user token>.<UTC yyyyMMddHHmm>.<base64 RSASSA-PKCS1-v1_5 SHA-256 signature of
/// "<token>.<time>">`, split and checked.
struct SignedSystemToken: Sendable {
    /// Our choice: a signing time up to 5 minutes before or after the emulator's clock is accepted (the reference
    /// names no window; the time has minute precision, and clocks drift).
    static let allowedSkewSeconds: Double = 300

    var systemUserToken: String
    var signedAt: Date
    var signedText: String
    var signature: Data

    /// Why a signed token is refused; the message never repeats the token.
    struct Refusal: Error, Equatable {
        var message: String
    }

    /// Splits at the last two periods: the signature and the time have none, the token might.
    init(parsing text: String) throws(Refusal) {
        guard let lastDot = text.lastIndex(of: "."), let timeDot = text[..<lastDot].lastIndex(of: ".") else {
            throw Refusal(message: "SignedSystemToken must be <system user token>.<yyyyMMddHHmm>.<signature>")
        }
        let time = text[text.index(after: timeDot)..<lastDot]
        guard let date = SignedTokenTime.date(time) else {
            throw Refusal(message: "SignedSystemToken's time must be UTC as yyyyMMddHHmm")
        }
        guard let signature = Data(base64Encoded: String(text[text.index(after: lastDot)...])), !signature.isEmpty else {
            throw Refusal(message: "SignedSystemToken's signature is not base64")
        }
        systemUserToken = String(text[..<timeDot])
        signedAt = date
        signedText = String(text[..<lastDot])
        self.signature = signature
    }

    /// Checks the token, the time against `now`, and the signature against the partner's key, in that order.
    func verify(systemUserToken expected: String, partnerKey: _RSA.Signing.PublicKey, now: Date) throws(Refusal) {
        guard ConstantTime.equals(systemUserToken, expected) else {
            throw Refusal(message: "the system user token is not known for this tenant")
        }
        guard abs(signedAt.timeIntervalSince(now)) <= Self.allowedSkewSeconds else {
            throw Refusal(message: "the signed time is more than \(Int(Self.allowedSkewSeconds / 60)) minutes from the server's UTC time")
        }
        let valid = partnerKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data(signedText.utf8), padding: .insecurePKCS1v1_5)
        guard valid else {
            throw Refusal(message: "the signature does not verify with the partner application's public key")
        }
    }
}
