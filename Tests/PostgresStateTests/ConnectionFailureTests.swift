import Foundation
@testable import PostgresState
import PostgresTestSupport
import State
import Testing

/// A PostgreSQL that refuses: the first refusal ends the command, in words, naming the database.
@Suite(.serialized) struct ConnectionFailureTests {
    static let skip = PostgresServer.missingPrerequisite

    /// Loads a state from `url`, and returns the error's message. What it says is the test: the pool alone
    /// reconnects for a minute and then says only that its circuit breaker tripped, while the first connection's
    /// refusal names the reason. (Its time is no measure here: the suite shares two cores with servers and children.)
    private func failure(_ url: String) async throws -> String {
        let backend = PostgresStateBackend(location: try PostgresLocation(url, environment: [:]))
        do {
            _ = try await backend.load()
            await backend.close()
            Issue.record("\(url) was loaded")
            return ""
        } catch {
            await backend.close()
            #expect(!error.message.contains("circuitBreakerTripped"), "\(error.message)")
            return error.message
        }
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aDatabaseThatDoesNotExistIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let message = try await failure("postgres://\(server.user)@127.0.0.1:\(server.port)/nosuchdb?schema=s_x")
        #expect(message.contains("/nosuchdb"), "\(message)")
        #expect(message.contains("database \"nosuchdb\" does not exist"), "\(message)")
        #expect(message.contains("FATAL"), "\(message)")
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aUserThatDoesNotExistIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let message = try await failure("postgres://nosuchuser@127.0.0.1:\(server.port)/\(server.database)?schema=s_x")
        #expect(message.contains("role \"nosuchuser\" does not exist"), "\(message)")
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func requiringTLSOfAServerWithoutItIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let message = try await failure(server.url() + "&sslmode=require")
        #expect(message.contains("does not offer TLS"), "\(message)")
    }
}
