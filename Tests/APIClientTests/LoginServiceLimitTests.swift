@testable import APIClient
import Foundation
import Testing
import _CryptoExtras
#if canImport(Glibc)
import Glibc
#endif

/// A login service that never answers, or answers too much, over loopback: one try, and a message that says what
/// went wrong.
@Suite struct LoginServiceLimitTests {
    /// A socket that listens on loopback and never accepts: the kernel completes connections, nobody answers.
    private final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard bound == 0, named == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw CocoaError(.fileWriteUnknown)
            }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Connections made to it so far: each try of a client is one.
        func connectionsMade() -> Int {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var count = 0
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return count }
                close(connection)
                count += 1
            }
        }

        deinit { close(fd) }
    }

    @Test func aLoginServiceThatNeverAnswersIsTriedOnceAtTheTimeout() async throws {
        let listener = try SilentListener()
        let credentials = OnlineCredentials.systemUser(OnlineCredentials.SystemUser(
            systemUserToken: "SYS-silent", privateKey: try #require(ScriptedLoginService.keys).partner, clientSecret: "s",
            contextIdentifier: "Cust1", loginURL: "http://127.0.0.1:\(listener.port)/Login"))
        let session = OnlineSession(credentials: credentials, timeout: .seconds(1))
        let error = await clientError { () async throws(ClientError) in try await session.signIn() }
        await session.shutdown()
        #expect(listener.connectionsMade() == 1, "the login service was tried more than once")
        guard error?.isAuthentication == true, let message = error?.detail else {
            Issue.record("expected an authentication error, got \(String(describing: error))")
            return
        }
        // The time waited, which is the timeout (more on a busy machine).
        #expect(message.contains("did not answer the system-user sign-in within "), "\(message)")
        #expect(message.hasSuffix(" s; nothing more was tried"), "\(message)")
        #expect(message.contains("BATCHCTL_LOGIN_URL"), "\(message)")
    }

    @Test func aKeySetOverTheLimitIsSaidOnceWithoutRetries() async throws {
        var script = ScriptedLoginService.Script()
        script.jwks = Array(#"{"keys":[],"padding":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: LoginService.maximumAnswerBytes) + Array(#""}"#.utf8)
        try await ScriptedLoginService.with(script) { service, session in
            let error = await clientError { () async throws(ClientError) in try await session.signIn() }
            guard error?.isInvalidResponse == true, let message = error?.detail else {
                Issue.record("expected an invalid response, got \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("the login service's keys (jwks_uri) at "), "\(message)")
            #expect(message.contains("more than 1 MiB"), "\(message)")
            #expect(await service.requests("/login/jwks") == 1)
        }
    }
}
