import APIClient
import BatchTask
import Emulator
import Foundation
import Testing

@Suite struct AuthTests {
    static let ticket = "7T:dGhpcyBpcyBhIHRpY2tldA=="
    static let token = "7A:bearer-token-value-1234"
    static let appToken = "app-token-secret-5678"

    static let everyKind = AuthenticationConfiguration(
        users: [testUser], tickets: [ticket], tokens: [token], appToken: appToken)

    @Test(arguments: [
        Credentials.basic(user: testUser.user, password: testUser.password), .ticket(ticket), .bearer(token),
    ])
    func eachCredentialKindIsAccepted(_ credentials: Credentials) async throws {
        try await withEmulator(
            emulatorConfiguration(authentication: Self.everyKind),
            client: { $0.credentials = credentials; $0.appToken = Self.appToken }
        ) { client, _ in
            let id = try await client.create(sampleTask())
            #expect(try await client.get(id)?.id == id)
        }
    }

    @Test func credentialsAndAppTokenFromTheEnvironmentAreSent() async throws {
        var configuration = ClientConfiguration(baseURL: "http://placeholder")
        try configuration.readEnvironment(["BATCHCTL_TOKEN": Self.token, "BATCHCTL_APP_TOKEN": Self.appToken])
        #expect(configuration.credentials?.description == "Bearer")
        #expect(configuration.appToken == Self.appToken)
        let read = configuration
        try await withEmulator(
            emulatorConfiguration(authentication: Self.everyKind),
            client: { $0.credentials = read.credentials; $0.appToken = read.appToken }
        ) { client, _ in
            let tasks = try await client.list(state: .all)
            #expect(tasks.isEmpty)
        }
    }

    @Test func aWrongPasswordIsA401WithTheServersMessage() async throws {
        let capture = LogCapture()
        let wrong = "wrong-password-9876"
        try await withEmulator(client: { $0.credentials = .basic(user: testUser.user, password: wrong); $0.logger = capture.logger }) {
            client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.get(1) }
            guard let status = error?.status, let message = error?.detail, case let type = error?.errorType else {
                Issue.record("expected .http, got \(String(describing: error))")
                return
            }
            #expect(status == 401)
            #expect(type == "SoAuthenticationException")
            #expect(message == "the credentials in the Authorization header are not accepted")
            #expect(error?.isRetryable == false)
            // Refused at once: a 401 is not retried.
            #expect(capture.lines.filter { $0.contains("-> 401") }.count == 1)
            #expect(!(error?.description.contains(wrong) ?? true))
        }
    }

    @Test func noSecretReachesTheLogsOrTheErrors() async throws {
        let capture = LogCapture()
        let faults = FaultConfiguration(errorRate: 0.3, throttleRate: 0.3, retryAfterSeconds: 0, seed: 11)
        let basic = Credentials.basic(user: testUser.user, password: testUser.password)
        var texts: [String] = []
        for credentials in [basic, .ticket(Self.ticket), .bearer(Self.token), .basic(user: "tester", password: "wrong-pass-word")] {
            try await withEmulator(
                emulatorConfiguration(faults: faults, authentication: Self.everyKind),
                client: { $0.credentials = credentials; $0.appToken = Self.appToken; $0.logger = capture.logger }
            ) { client, _ in
                for _ in 0..<5 {
                    do throws(ClientError) {
                        _ = try await client.list(state: .all)
                        _ = try await client.get(77)
                    } catch {
                        texts.append(error.description)
                    }
                }
            }
            texts.append("\(credentials)")
        }
        let lines = capture.lines
        #expect(lines.contains { $0.contains("-> 200") } && lines.contains { $0.contains("-> 401") })
        #expect(lines.contains { $0.contains("retrying") })
        let secrets = [testUser.password, "wrong-pass-word", Self.ticket, Self.token, Self.appToken, basic.authorizationHeader]
            + [basic.authorizationHeader.dropFirst("Basic ".count)].map(String.init)
        for text in lines + texts {
            for secret in secrets { #expect(!text.contains(secret), "\(text)") }
        }
    }

    @Test func aMissingAppTokenIsRefused() async throws {
        try await withEmulator(emulatorConfiguration(authentication: Self.everyKind)) { client, _ in
            let error = await clientError { () async throws(ClientError) in _ = try await client.list(state: .all) }
            guard error?.status == 401, let message = error?.detail else {
                Issue.record("expected a 401, got \(String(describing: error))")
                return
            }
            #expect(message.contains("SO-AppToken"))
        }
    }
}
