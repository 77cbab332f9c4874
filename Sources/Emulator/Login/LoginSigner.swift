import Foundation
import JWTKit
import SystemUserLogin
import _CryptoExtras

/// The login service's RS256 key: signs the system-user JWTs and publishes its public half as a JWKS.
struct LoginSigner: Sendable {
    private let keys: JWTKeyCollection
    /// The JWKS document served at `jwks_uri`.
    let jwksJSON: [UInt8]
    let keyIdentifier: String

    /// From a PEM private key, or a fresh 2048-bit key when nil.
    static func make(privateKeyPEM: String?) async throws -> LoginSigner {
        let backing: _RSA.Signing.PrivateKey
        do {
            backing = try privateKeyPEM.map { try _RSA.Signing.PrivateKey(pemRepresentation: $0) }
                ?? _RSA.Signing.PrivateKey(keySize: .bits2048)
        } catch {
            throw EmulatorError("the signing key is not an RSA private key in PEM (2048 bits or more)")
        }
        let privateKey = try Insecure.RSA.PrivateKey(backing: backing)
        let publicKey = try Insecure.RSA.PublicKey(backing: backing.publicKey)
        // Our choice of `kid`: the start of the SHA-256 of the public key's DER, stable for a given key.
        let kid = SHA256.hash(data: backing.publicKey.derRepresentation).prefix(12)
            .map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        let primitives = try publicKey.getKeyPrimitives()
        let jwk = JWK.rsa(
            .rs256, identifier: JWKIdentifier(string: kid), modulus: Base64URL.encode(primitives.modulus),
            exponent: Base64URL.encode(primitives.publicExponent))
        let jwks = try JSONEncoder().encode(JWKS(keys: [jwk]))
        return LoginSigner(keys: keys, jwksJSON: Array(jwks), keyIdentifier: kid)
    }

    private init(keys: JWTKeyCollection, jwksJSON: [UInt8], keyIdentifier: String) {
        self.keys = keys
        self.jwksJSON = jwksJSON
        self.keyIdentifier = keyIdentifier
    }

    func sign(_ claims: SystemUserClaims) async throws -> String {
        try await keys.sign(claims, kid: JWKIdentifier(string: keyIdentifier))
    }
}
