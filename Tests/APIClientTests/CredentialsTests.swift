import Foundation
import Testing

@testable import APIClient

@Suite struct CredentialsTests {
    static func configurationMessage(_ environment: [String: String]) -> String? {
        do {
            _ = try Credentials.fromEnvironment(environment)
            return nil
        } catch {
            guard error.isConfiguration else { return "not a configuration error: \(error)" }
            return error.detail
        }
    }

    @Test func noVariablesMeanNoCredentials() throws {
        #expect(try Credentials.fromEnvironment([:]) == nil)
        #expect(try Credentials.fromEnvironment(["BATCHCTL_USER": "", "BATCHCTL_TOKEN": "", "PATH": "/bin"]) == nil)
    }

    @Test func basicFromUserAndPassword() throws {
        let credentials = try #require(try Credentials.fromEnvironment(["BATCHCTL_USER": "alice", "BATCHCTL_PASSWORD": "s3cr3t:x"]))
        #expect(credentials.authorizationHeader == "Basic " + Data("alice:s3cr3t:x".utf8).base64EncodedString())
        #expect(credentials.description == "Basic (user alice)")
    }

    @Test func basicFromAPasswordFileWithoutItsLineBreak() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-pw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("from-a-file \n\r\n".utf8).write(to: url)
        let credentials = try #require(
            try Credentials.fromEnvironment(["BATCHCTL_USER": "bob", "BATCHCTL_PASSWORD_FILE": url.path]))
        #expect(credentials.authorizationHeader == Credentials.basic(user: "bob", password: "from-a-file ").authorizationHeader)

        let missing = Self.configurationMessage(["BATCHCTL_USER": "bob", "BATCHCTL_PASSWORD_FILE": "/nonexistent/pw"])
        #expect(missing?.contains("cannot read /nonexistent/pw") == true)
        try Data("\n".utf8).write(to: url)
        #expect(Self.configurationMessage(["BATCHCTL_USER": "bob", "BATCHCTL_PASSWORD_FILE": url.path])?.contains("empty") == true)
    }

    @Test func ticketAndBearer() throws {
        let ticket = try #require(try Credentials.fromEnvironment(["BATCHCTL_TICKET": "7T:abc"]))
        #expect(ticket.authorizationHeader == "SoTicket 7T:abc")
        #expect(ticket.description == "SoTicket")
        let token = try #require(try Credentials.fromEnvironment(["BATCHCTL_TOKEN": "7A:xyz"]))
        #expect(token.authorizationHeader == "Bearer 7A:xyz")
        #expect(token.description == "Bearer")
    }

    @Test func ambiguousOrIncompleteVariablesAreErrors() {
        let ambiguous = Self.configurationMessage(["BATCHCTL_TICKET": "7T:abc", "BATCHCTL_TOKEN": "7A:xyz"])
        #expect(ambiguous?.contains("BATCHCTL_TICKET, BATCHCTL_TOKEN") == true)
        #expect(Self.configurationMessage(["BATCHCTL_USER": "a", "BATCHCTL_PASSWORD": "p", "BATCHCTL_TOKEN": "t"]) != nil)
        #expect(Self.configurationMessage(["BATCHCTL_USER": "alice"])?.contains("neither BATCHCTL_PASSWORD") == true)
        #expect(Self.configurationMessage(["BATCHCTL_PASSWORD": "p"])?.contains("BATCHCTL_USER is not") == true)
        #expect(
            Self.configurationMessage(["BATCHCTL_USER": "a", "BATCHCTL_PASSWORD": "p", "BATCHCTL_PASSWORD_FILE": "/f"])?
                .contains("both") == true)
        #expect(Self.configurationMessage(["BATCHCTL_USER": "a:b", "BATCHCTL_PASSWORD": "p"])?.contains("colon") == true)
        // No message repeats a secret.
        let secretive = Self.configurationMessage(["BATCHCTL_TICKET": "7T:SECRET-T", "BATCHCTL_TOKEN": "7A:SECRET-B"]) ?? ""
        #expect(!secretive.contains("SECRET"))
    }

    @Test func noDescriptionShowsTheSecret() {
        let secret = "hunter2-but-longer"
        for credentials in [Credentials.basic(user: "alice", password: secret), .ticket(secret), .bearer(secret)] {
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in ["\(credentials)", String(reflecting: credentials), dumped] {
                #expect(!text.contains(secret), "\(text)")
                #expect(!text.contains(credentials.authorizationHeader), "\(text)")
            }
        }
    }

    @Test func theRedactorRemovesEverySecretFormFromForeignText() {
        let credentials = Credentials.basic(user: "alice", password: "open-sesame")
        let redactor = Redactor(credentials: credentials, appToken: "app-123")
        let header = credentials.authorizationHeader
        let encoded = String(header.dropFirst("Basic ".count))
        let text = redactor("echo: \(header) / \(encoded) / open-sesame / app-123 / alice")
        #expect(text == "echo: [redacted] / [redacted] / [redacted] / [redacted] / alice")
    }
}
