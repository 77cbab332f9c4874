import Foundation
import Testing
import _CryptoExtras
@testable import APIClient

/// SuperOffice Online credentials from the environment: the key's three forms, the default login service, and the
/// errors that name a variable, never a value.
@Suite struct OnlineCredentialsTests {
    static let key: _RSA.Signing.PrivateKey? = try? _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// A key in `text`, read back, signs what the original key's public half verifies.
    private func expectSameKey(_ text: String) throws {
        let original = try #require(Self.key)
        let read = try OnlineCredentials.privateKey(text, path: "key")
        let message = Data("SYS.202612020000".utf8)
        let signature = try read.signature(for: message, padding: .insecurePKCS1v1_5)
        #expect(original.publicKey.isValidSignature(signature, for: message, padding: .insecurePKCS1v1_5))
    }

    @Test func aKeyIsReadAsPKCS1AsPKCS8AndAsRSAKeyValueXML() throws {
        let key = try #require(Self.key)
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        try expectSameKey(key.pemRepresentation)
        #expect(key.pkcs8PEMRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        try expectSameKey(key.pkcs8PEMRepresentation)
        try expectSameKey(try Self.xml(key))
    }

    @Test func aKeyFileThatIsNoKeyIsRefusedNamingTheVariableAndPath() throws {
        let key = try #require(Self.key)
        let cases: [(String, String)] = [
            ("hello", "is neither PEM nor <RSAKeyValue> XML"),
            (key.publicKey.pemRepresentation, "is not an RSA private key"),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "is encrypted"),
            ("<RSAKeyValue><Modulus>AQAB</Modulus></RSAKeyValue>", "is not a complete <RSAKeyValue>"),
        ]
        for (text, expected) in cases {
            #expect {
                _ = try OnlineCredentials.privateKey(text, path: "/keys/app.key")
            } throws: { error in
                let message = (error as? ClientError)?.description ?? ""
                return message.hasPrefix("BATCHCTL_PRIVATE_KEY_FILE: /keys/app.key ") && message.contains(expected)
            }
        }
    }

    @Test func theLoginServiceFollowsTheEndpointsEnvironment() {
        let cases: [(String?, String)] = [
            ("https://sod.superoffice.com/Cust26759", "https://sod.superoffice.com/Login"),
            ("https://qaonline.superoffice.com/Cust1", "https://qaonline.superoffice.com/Login"),
            ("https://online2.superoffice.com/Cust12345/", "https://online.superoffice.com/Login"),
            ("https://online.superoffice.com/Cust12345", "https://online.superoffice.com/Login"),
            ("http://127.0.0.1:8405/Cust00000", "http://127.0.0.1:8405/Login"),
            (nil, "https://online.superoffice.com/Login"),
        ]
        for (endpoint, login) in cases {
            #expect(OnlineCredentials.defaultLoginURL(endpoint: endpoint) == login, "\(endpoint ?? "no endpoint")")
        }
    }

    private func environment(keyFile: String) -> [String: String] {
        [
            "BATCHCTL_SYSTEM_USER_TOKEN": "SYS-secret-token", "BATCHCTL_PRIVATE_KEY_FILE": keyFile,
            "BATCHCTL_CLIENT_SECRET": "client-secret-value", "BATCHCTL_CONTEXT_IDENTIFIER": "Cust12345",
        ]
    }

    @Test func theSystemUserFlowIsReadAndBindsTheStateToTheTenant() throws {
        let key = try #require(Self.key)
        let path = NSTemporaryDirectory() + "batchctl-key-\(UUID().uuidString).xml"
        try Self.xml(key).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let credentials = try #require(try OnlineCredentials.fromEnvironment(environment(keyFile: path), endpoint: nil))
        guard case .systemUser(let user) = credentials else {
            Issue.record("expected the system-user flow")
            return
        }
        #expect(user.contextIdentifier == "Cust12345")
        #expect(user.loginURL == "https://online.superoffice.com/Login")
        #expect(OnlineSession.binding(for: credentials) == "tenant:Cust12345@online.superoffice.com")
        // Nothing a user might print shows a secret.
        for text in ["\(credentials)", String(reflecting: credentials), { var s = ""; dump(credentials, to: &s); return s }()] {
            #expect(!text.contains("SYS-secret-token") && !text.contains("client-secret-value"), "\(text)")
        }
    }

    @Test func aFlowWithAMissingOrConflictingVariableIsRefusedByName() throws {
        let full = environment(keyFile: "/nonexistent/key.pem")
        let cases: [([String: String], String)] = [
            (full.filter { $0.key != "BATCHCTL_CLIENT_SECRET" }, "BATCHCTL_CLIENT_SECRET is not set"),
            (full.filter { $0.key != "BATCHCTL_PRIVATE_KEY_FILE" }, "BATCHCTL_PRIVATE_KEY_FILE is not"),
            (full.filter { $0.key != "BATCHCTL_SYSTEM_USER_TOKEN" }, "BATCHCTL_PRIVATE_KEY_FILE is set but BATCHCTL_SYSTEM_USER_TOKEN is not"),
            (full.filter { $0.key != "BATCHCTL_CONTEXT_IDENTIFIER" }, "BATCHCTL_CONTEXT_IDENTIFIER is not"),
            (full, "BATCHCTL_PRIVATE_KEY_FILE: cannot read /nonexistent/key.pem"),
            (full.merging(["BATCHCTL_REFRESH_TOKEN": "r"]) { $1 }, "credentials are ambiguous"),
            (full.merging(["BATCHCTL_CONTEXT_IDENTIFIER": "Cust/../x"]) { $1 }, "BATCHCTL_CONTEXT_IDENTIFIER must be"),
            (["BATCHCTL_REFRESH_TOKEN": "r", "BATCHCTL_CLIENT_SECRET": "s"], "BATCHCTL_CLIENT_ID"),
            (full.merging(["BATCHCTL_LOGIN_URL": "ftp://login"]) { $1 }, "BATCHCTL_LOGIN_URL"),
        ]
        for (environment, expected) in cases {
            #expect {
                _ = try OnlineCredentials.fromEnvironment(environment, endpoint: nil)
            } throws: { error in
                let message = (error as? ClientError)?.description ?? ""
                return message.contains(expected) && !message.contains("SYS-secret-token") && !message.contains("client-secret-value")
            }
        }
        #expect(try OnlineCredentials.fromEnvironment(["BATCHCTL_USER": "u"], endpoint: nil) == nil)
    }

    @Test func theWebAPIURLClaimGivesTheEndpointWithoutItsAPISuffix() throws {
        #expect(try LoginService.root(webAPIURL: "https://sod.superoffice.com/Cust26759/api/") == "https://sod.superoffice.com/Cust26759")
        #expect(try LoginService.root(webAPIURL: "http://127.0.0.1:1/Cust00000/api") == "http://127.0.0.1:1/Cust00000")
        #expect(throws: ClientError.self) { try LoginService.root(webAPIURL: "javascript:alert(1)") }
    }

    // MARK: - The <RSAKeyValue> form, made from the key's PKCS#1 DER

    /// .NET's `ToXmlString(true)`: the PKCS#1 integers, big-endian without a sign byte, in base64.
    static func xml(_ key: _RSA.Signing.PrivateKey) throws -> String {
        let integers = try derIntegers(Array(key.derRepresentation))
        // RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv }
        guard integers.count >= 9 else { throw DERError() }
        let names = ["Modulus", "Exponent", "D", "P", "Q", "DP", "DQ", "InverseQ"]
        let values = [integers[1], integers[2], integers[3], integers[4], integers[5], integers[6], integers[7], integers[8]]
        let elements = zip(names, values).map { "  <\($0)>\(Data($1).base64EncodedString())</\($0)>" }
        return "<RSAKeyValue>\n" + elements.joined(separator: "\n") + "\n</RSAKeyValue>\n"
    }

    struct DERError: Error {}

    /// The INTEGERs of a DER SEQUENCE, each without its leading zero byte.
    static func derIntegers(_ der: [UInt8]) throws -> [[UInt8]] {
        var index = 0
        func length() throws -> Int {
            guard index < der.count else { throw DERError() }
            let first = Int(der[index])
            index += 1
            guard first & 0x80 != 0 else { return first }
            var value = 0
            for _ in 0..<(first & 0x7F) {
                guard index < der.count else { throw DERError() }
                value = value << 8 | Int(der[index])
                index += 1
            }
            return value
        }
        guard der.first == 0x30 else { throw DERError() }
        index = 1
        _ = try length()
        var integers: [[UInt8]] = []
        while index < der.count {
            guard der[index] == 0x02 else { throw DERError() }
            index += 1
            let count = try length()
            guard index + count <= der.count else { throw DERError() }
            var bytes = Array(der[index..<index + count])
            while bytes.count > 1, bytes.first == 0 { bytes.removeFirst() }
            integers.append(bytes)
            index += count
        }
        return integers
    }
}
