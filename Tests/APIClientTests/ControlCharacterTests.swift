@testable import APIClient
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// A credential with a control character cannot go into a header: it is refused up front by its variable, and
/// never shown, escaped or not.
@Suite struct ControlCharacterTests {
    static let ticket = "7T:secret-ticket-\u{01}-end"

    @Test func aCredentialWithAControlCharacterIsRefusedNamingItsVariable() throws {
        let cases: [([String: String], String)] = [
            (["BATCHCTL_TICKET": Self.ticket], "BATCHCTL_TICKET contains a control character (U+0001)"),
            (["BATCHCTL_TOKEN": "secret-tok\u{1B}[31m"], "BATCHCTL_TOKEN contains a control character (U+001B)"),
            (["BATCHCTL_TOKEN": "secret-tok\u{7F}"], "BATCHCTL_TOKEN contains a control character (U+007F)"),
            (["BATCHCTL_APP_TOKEN": "secret-app\u{02}"], "BATCHCTL_APP_TOKEN contains a control character (U+0002)"),
        ]
        for (environment, expected) in cases {
            #expect {
                var configuration = ClientConfiguration(baseURL: "http://127.0.0.1:9")
                try configuration.readEnvironment(environment)
            } throws: { error in
                let message = (error as? ClientError)?.message ?? ""
                return message.hasPrefix(expected) && !message.contains("secret-")
            }
        }
        // A tab is allowed in a header value, and a Basic password is base64 in its header.
        #expect(try Credentials.fromEnvironment(["BATCHCTL_TOKEN": "a\tb"]) != nil)
        #expect(try Credentials.fromEnvironment(["BATCHCTL_USER": "u", "BATCHCTL_PASSWORD": "p\u{01}"]) != nil)
    }

    @Test func aClientGivenSuchACredentialFailsAtOnceWithoutShowingIt() async {
        // The default retries would make ten attempts, were the error retried; none is made.
        var configuration = ClientConfiguration(baseURL: "http://127.0.0.1:9", credentials: .ticket(Self.ticket))
        let attempts = Mutex(0)
        configuration.attemptObserver = { _, _ in attempts.withLock { $0 += 1 } }
        let client = BatchTaskClient(configuration: configuration)
        let error = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
        await client.shutdown()
        #expect(attempts.withLock { $0 } <= 1, "the request was tried again")
        guard error?.isConfiguration == true, let message = error?.detail else {
            Issue.record("expected a configuration error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("control character"), "\(message)")
        #expect(!message.contains("secret-ticket"), "\(message)")
    }

    @Test func theRedactorFindsEveryEscapedForm() {
        let secrets = [Self.ticket, "pa\"ss\\word/\t\n"]
        let texts = [
            "HTTPClientError.invalidHeaderFieldValues([\"SoTicket 7T:secret-ticket-\\u{01}-end\"])",
            #"{"ticket":"7T:secret-ticket-\u0001-end"}"#,
            "7T%3Asecret-ticket-%01-end",
            "7T%3asecret-ticket-%01-end",
            #"{"p":"pa\"ss\\word\/\t\n"}"#,
            #"{"p":"pa\"ss\\word/\u0009\u000A"}"#,
            #"{"p":"pa\"ss\\word/\u0009\u000a"}"#,
            "[\"pa\\\"ss\\\\word/\\t\\n\"]",
        ]
        for text in texts {
            let redacted = Redactor.remove(secrets, from: text)
            #expect(!redacted.contains("secret-ticket") && !redacted.contains("ss\\"), "\(text) -> \(redacted)")
            #expect(redacted.contains(Redactor.marker), "\(text) -> \(redacted)")
        }
    }

    @Test func anInvalidHeaderValueIsRefusedUnsentAndNotRetried() async {
        // A session's ticket reaches the transport without passing the configuration's checks.
        let transport = HTTPTransport(settings: HTTPTransport.Settings(maximumConnections: 1, connectTimeout: .seconds(1)))
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "SoTicket " + Self.ticket)
        do throws(TransportError) {
            _ = try await transport.execute(.GET, "http://127.0.0.1:9/api/v1/BatchTask/1", headers: headers, body: nil,
                                            timeout: .seconds(1), maximumBytes: 1 << 20)
            Issue.record("a header with a control character was sent")
        } catch {
            #expect(error.kind == .invalidHeader(name: "Authorization"))
            #expect(!error.wasSent)
            guard case .unusable(let refusal) = RequestSender.delivery(of: error) else {
                Issue.record("an invalid header value would be sent again")
                await transport.shutdown()
                return
            }
            #expect(!refusal.message.contains("secret-ticket"), "\(refusal.message)")
        }
        await transport.shutdown()
    }

    @Test func aTicketTheLoginServiceGivesWithAControlCharacterIsRefused() async throws {
        var script = ScriptedLoginService.Script()
        script.ticket = Self.ticket
        try await ScriptedLoginService.with(script) { _, session in
            let error = await clientError { () async throws(ClientError) in try await session.signIn() }
            guard error?.isInvalidResponse == true, let message = error?.detail else {
                Issue.record("expected an invalid response, got \(String(describing: error))")
                return
            }
            #expect(message == "the login service's ticket contains a control character (U+0001), which no HTTP header can carry")
        }
    }
}
