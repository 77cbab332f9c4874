import Foundation
@testable import PostgresState
import PostgresTestSupport
import State
import Testing

/// A PostgreSQL that refuses: the first refusal ends the command, in words, naming the database.
@Suite(.serialized) struct ConnectionFailureTests {
    static let skip = PostgresServer.missingPrerequisite

    /// Loads a state from `url`; the error and how long it took.
    private func failure(_ url: String) async throws -> (message: String, elapsed: Duration) {
        let backend = PostgresStateBackend(location: try PostgresLocation(url, environment: [:]))
        let started = ContinuousClock.now
        do {
            _ = try await backend.load()
            await backend.close()
            Issue.record("\(url) was loaded")
            return ("", .zero)
        } catch {
            await backend.close()
            return (error.message, ContinuousClock.now - started)
        }
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aDatabaseThatDoesNotExistIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let (message, elapsed) = try await failure("postgres://\(server.user)@127.0.0.1:\(server.port)/nosuchdb?schema=s_x")
        #expect(elapsed < .seconds(45), "\(elapsed): the pool's reconnects took over a minute")
        #expect(message.contains("/nosuchdb"), "\(message)")
        #expect(message.contains("database \"nosuchdb\" does not exist"), "\(message)")
        #expect(message.contains("FATAL"), "\(message)")
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aUserThatDoesNotExistIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let (message, elapsed) = try await failure("postgres://nosuchuser@127.0.0.1:\(server.port)/\(server.database)?schema=s_x")
        #expect(elapsed < .seconds(45), "\(elapsed): the pool's reconnects took over a minute")
        #expect(message.contains("role \"nosuchuser\" does not exist"), "\(message)")
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func requiringTLSOfAServerWithoutItIsSaidAtOnce() async throws {
        let server = try PostgresServer.shared()
        let (message, elapsed) = try await failure(server.url() + "&sslmode=require")
        #expect(elapsed < .seconds(45), "\(elapsed): the pool's reconnects took over a minute")
        #expect(message.contains("does not offer TLS"), "\(message)")
    }
}
