@testable import APIClient
import Foundation
import Testing

/// The system-user sign-in against a login service on loopback that signs real RS256 JWTs: what it must refuse.
@Suite struct OnlineSignInTests {
    private func signInError(_ script: ScriptedLoginService.Script) async throws -> ClientError? {
        try await ScriptedLoginService.with(script) { _, session in
            await clientError { () async throws(ClientError) in try await session.signIn() }
        }
    }

    @Test func anHonestJWTSignsIn() async throws {
        try await ScriptedLoginService.with(ScriptedLoginService.Script()) { service, session in
            try await session.signIn()
            #expect(session.endpoint == service.baseURL + "/" + ScriptedLoginService.context)
        }
    }

    @Test func aJWTWithoutAnAudienceIsRefused() async throws {
        var script = ScriptedLoginService.Script()
        script.audience = .none
        let error = try await signInError(script)
        guard error?.isAuthentication == true, let message = error?.detail else {
            Issue.record("expected an authentication error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("has no audience (aud)"), "\(message)")
    }

    @Test func aJWTForAnotherAudienceIsRefused() async throws {
        for audience in ["spn:DB-OTHER", "somebody-else"] {
            var script = ScriptedLoginService.Script()
            script.audience = .other(audience)
            let error = try await signInError(script)
            guard error?.isAuthentication == true, let message = error?.detail else {
                Issue.record("expected an authentication error, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("is not meant for database serial DB-SERIAL-1"), "\(message)")
        }
    }

    @Test func aJWTWithoutTheSerialClaimIsRefused() async throws {
        var script = ScriptedLoginService.Script()
        script.serial = nil
        script.audience = .other("spn:DB-SERIAL-1")
        let error = try await signInError(script)
        guard error?.isAuthentication == true, let message = error?.detail else {
            Issue.record("expected an authentication error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("names no database serial"), "\(message)")
    }
}
