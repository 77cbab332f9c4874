@testable import APIClient
import Foundation
import Testing

/// Every URL the client sends to passes one check where it is read; the HTTP stack below traps on a port that does
/// not fit in 16 bits, so a bad one must never reach it.
@Suite struct URLCheckTests {
    @Test func aPortOutsideOneTo65535OrNotANumberIsRefusedNamingWhereItCameFrom() {
        for port in ["99999", "65536", "0", "abc", "", "-1", "8080x", "000000080"] {
            do {
                _ = try CheckedURL("http://127.0.0.1:\(port)/x", named: "--notify-url")
                Issue.record("port '\(port)' was accepted")
            } catch {
                #expect(error.message.hasPrefix("--notify-url has the port '\(port)'"), "\(error.message)")
                #expect(error.message.contains("1 to 65535"))
            }
        }
    }

    @Test func aGoodURLIsTakenApart() throws {
        let url = try CheckedURL("HTTPS://Example.com:65535/Cust1?x=1", named: "the endpoint")
        #expect(url.scheme == "https")
        #expect(url.host == "Example.com")
        #expect(url.port == 65535)
        #expect(url.origin == "https://Example.com:65535")
        #expect(url.remainder == "/Cust1?x=1")
        let ipv6 = try CheckedURL("http://[::1]:8080", named: "the endpoint")
        #expect(ipv6.host == "[::1]" && ipv6.port == 8080)
        #expect(try CheckedURL("http://localhost", named: "x").port == nil)
    }

    @Test func otherSchemesMissingHostsAndControlCharactersAreRefused() {
        let cases = ["ftp://example.com", "http://", "http://:80", "http://[]:80", "http://[::1", "http://a b.com",
                     "http://example.com/\u{01}", "http://example.com\\x"]
        for text in cases {
            #expect(throws: ClientError.self, "\(text.debugDescription) was accepted") {
                _ = try CheckedURL(text, named: "the endpoint")
            }
        }
    }

    @Test func theEndpointCheckNamesTheFlagOrVariable() {
        do {
            try BatchTaskClient.validate(endpoint: "http://127.0.0.1:99999", named: "BATCHCTL_ENDPOINT")
            Issue.record("port 99999 was accepted")
        } catch {
            #expect(error.message == "BATCHCTL_ENDPOINT has the port '99999': a port is a number from 1 to 65535")
        }
    }

    @Test func aClientForABadPortFailsEveryCallAsAConfigurationError() async {
        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: "http://127.0.0.1:99999", retry: quickRetries))
        let error = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
        if error?.isConfiguration == true, let message = error?.detail {
            #expect(message.contains("65535"))
        } else {
            Issue.record("expected a configuration error, got \(String(describing: error))")
        }
        await client.shutdown()
    }

    @Test func aLoginURLWithABadPortIsRefusedNamingItsVariable() {
        let environment = [
            "BATCHCTL_SYSTEM_USER_TOKEN": "t", "BATCHCTL_PRIVATE_KEY_FILE": "/nonexistent/key.pem", "BATCHCTL_CLIENT_SECRET": "s",
            "BATCHCTL_CONTEXT_IDENTIFIER": "Cust1", "BATCHCTL_LOGIN_URL": "http://127.0.0.1:99999/Login",
        ]
        #expect {
            _ = try OnlineCredentials.fromEnvironment(environment, endpoint: nil)
        } throws: { error in
            (error as? ClientError)?.message == "BATCHCTL_LOGIN_URL has the port '99999': a port is a number from 1 to 65535"
        }
    }

    /// A hostile login service cannot crash the client by naming such an endpoint after a 421.
    @Test func aTenantStatusNamingABadPortAfter421IsAnError() async throws {
        var script = ScriptedLoginService.Script()
        script.tenantEndpoint = "http://127.0.0.1:99999/Cust00001"
        try await ScriptedLoginService.with(script) { service, session in
            try await session.signIn()
            var configuration = ClientConfiguration(baseURL: service.baseURL + "/" + ScriptedLoginService.context, retry: quickRetries)
            configuration.session = session
            let client = BatchTaskClient(configuration: configuration)
            let error = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
            await client.shutdown()
            guard error?.isInvalidResponse == true, let message = error?.detail else {
                Issue.record("expected an invalid response, got \(String(describing: error))")
                return
            }
            #expect(message.contains("names an endpoint the client cannot use"), "\(message)")
            #expect(message.contains("'99999'"), "\(message)")
        }
    }
}
