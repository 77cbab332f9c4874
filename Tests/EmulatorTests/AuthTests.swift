import Foundation
import JSON
import Testing

@testable import Emulator

@Suite struct AuthTests {
    static let everyKind = AuthenticationConfiguration(
        users: [testUser, BasicCredential(user: "other", password: "pw")], tickets: ["7T:ticket-one"], tokens: ["7A:token-one"])

    @Test func requestsWithoutValidCredentialsGet401AndAreNotProcessed() async throws {
        try await withServer(testConfiguration(authentication: Self.everyKind)) { client async throws in
            let none = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x"}"#, authorization: nil)
            #expect(none.status == 401)
            #expect(try none.json["ErrorType"] == "SoAuthenticationException")
            #expect(none.headers["WWW-Authenticate"].contains("Basic realm=\"batchctl\""))
            let refused = [
                basic(testUser.user, "wrong"), basic("nobody", testUser.password), "Basic not-base64!",
                "SoTicket 7T:ticket-two", "Bearer 7A:token-two", "Bearer", "Digest abc",
                // A valid secret under the wrong scheme.
                "Bearer 7T:ticket-one",
            ]
            for authorization in refused {
                let reply = try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x"}"#, authorization: authorization)
                #expect(reply.status == 401, "\(authorization)")
                #expect(!reply.text.contains("wrong") && !reply.text.contains("ticket-two"), "an error must not echo credentials")
            }
            // Nothing above was processed.
            #expect(try await client.get("/api/v1/BatchTask/All").json == [])
        }
    }

    @Test func eachKindOfCredentialIsAccepted() async throws {
        try await withServer(testConfiguration(authentication: Self.everyKind)) { client async throws in
            for authorization in [basic(testUser.user, testUser.password), basic("other", "pw"), "SoTicket 7T:ticket-one", "Bearer 7A:token-one", "bearer  7A:token-one"] {
                let reply = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: authorization)
                #expect(reply.status == 200, "\(authorization)")
            }
        }
    }

    @Test func aConfiguredAppTokenIsRequired() async throws {
        var authentication = AuthenticationConfiguration(users: [testUser])
        authentication.appToken = "app-123"
        try await withServer(testConfiguration(authentication: authentication)) { client async throws in
            #expect(try await client.get("/api/v1/BatchTask/All").status == 401)
            #expect(try await client.get("/api/v1/BatchTask/All", headers: [("SO-AppToken", "app-124")]).status == 401)
            #expect(try await client.get("/api/v1/BatchTask/All", headers: [("SO-AppToken", "app-123")]).status == 200)
            // The app token does not replace the user's credentials.
            let noUser = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: nil, headers: [("SO-AppToken", "app-123")])
            #expect(noUser.status == 401)
        }
    }

    @Test func anUnconfiguredAppTokenIsAcceptedAndIgnored() async throws {
        try await withServer { client async throws in
            #expect(try await client.get("/api/v1/BatchTask/All", headers: [("SO-AppToken", "anything")]).status == 200)
        }
    }

    @Test func noAuthAdmitsEveryone() async throws {
        try await withServer(testConfiguration(authentication: AuthenticationConfiguration(isEnabled: false))) { client async throws in
            #expect(try await client.send(.POST, "/api/v1/BatchTask", body: #"{"Name": "x"}"#, authorization: nil).status == 200)
        }
    }

    @Test func aServerThatAdmitsNobodyDoesNotStart() async throws {
        await #expect(throws: EmulatorError.self) {
            try await withServer(testConfiguration(authentication: AuthenticationConfiguration())) { _ in }
        }
    }

    @Test func credentialsComeFromTheEnvironmentToo() throws {
        var authentication = AuthenticationConfiguration(tickets: ["flag"])
        try authentication.addEnvironment([
            "BATCHCTL_SERVE_USERS": "a:1, b:two:parts", "BATCHCTL_SERVE_TICKETS": "t1,t2", "BATCHCTL_SERVE_TOKENS": " k ",
            "BATCHCTL_SERVE_APP_TOKEN": "app",
        ])
        #expect(authentication.users == [BasicCredential(user: "a", password: "1"), BasicCredential(user: "b", password: "two:parts")])
        #expect(authentication.tickets == ["flag", "t1", "t2"])
        #expect(authentication.tokens == ["k"])
        #expect(authentication.appToken == "app")
        var bad = AuthenticationConfiguration()
        #expect(throws: CredentialError.self) { try bad.addEnvironment(["BATCHCTL_SERVE_USERS": "nocolon"]) }
    }

    @Test func constantTimeComparisonIsStillAComparison() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "abcabc"))
        #expect(!ConstantTime.equals("", "a"))
        #expect(ConstantTime.equals("", ""))
        #expect(ConstantTime.matchesAny("b", ["a", "b"]))
        #expect(!ConstantTime.matchesAny("c", ["a", "b"]))
    }
}

@Suite struct AuthSchemeTests {
    @Test func schemesAreCaseInsensitive() async throws {
        try await withServer(testConfiguration(authentication: AuthTests.everyKind)) { client async throws in
            for authorization in [
                "SOTicket 7T:ticket-one", "SoTicket 7T:ticket-one", "SOTICKET 7T:ticket-one", "soticket 7T:ticket-one",
                "bearer 7A:token-one", "BEARER 7A:token-one", "basic " + String(basic(testUser.user, testUser.password).dropFirst(6)),
            ] {
                let reply = try await client.send(.GET, "/api/v1/BatchTask/All", authorization: authorization)
                #expect(reply.status == 200, "\(authorization)")
            }
            // The credential itself is not case-insensitive.
            #expect(try await client.send(.GET, "/api/v1/BatchTask/All", authorization: "SOTicket 7t:TICKET-ONE").status == 401)
        }
    }
}
