import Foundation
import JSON
import NIOCore
import Testing

@testable import Emulator

/// HTTP/1.1 as RFC 9112 asks of a server, sent byte for byte: what no well-behaved client library would send.
@Suite struct ConnectionTests {
    static let authorization = "Authorization: \(basic(testUser.user, testUser.password))\r\n"

    @Test func linksNameTheServerItselfWhateverTheHostHeaderSays() async throws {
        try await withServer { client async throws in
            _ = try await client.create(["Name": "one"])
            _ = try await client.create(["Name": "two"])
            let reply = try await RawConnection.exchange(
                "GET /api/v1/BatchTask?$top=1 HTTP/1.1\r\nHost: attacker.example:8405\r\n\(Self.authorization)Connection: close\r\n\r\n",
                with: client)
            #expect(reply.status == 200)
            let page = try JSONValue.parse(Array(reply.body.utf8))
            let next = try #require(page["odata.nextLink"]?.stringValue)
            #expect(next == client.baseURL + "/api/v1/BatchTask?$top=1&$skip=1")
            #expect(page["odata.metadata"]?.stringValue == client.baseURL + "/api/v1/archive$metadata")
            #expect(!reply.text.contains("attacker"))
        }
    }

    @Test func anHTTP11RequestWithoutOneHostIsRefused() async throws {
        try await withServer { client async throws in
            let missing = try await RawConnection.exchange("GET /api/v1/BatchTask/All HTTP/1.1\r\n\(Self.authorization)\r\n", with: client)
            #expect(missing.status == 400)
            #expect(missing.closedByServer)
            #expect(missing.body.contains("Host"))
            let two = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: elsewhere.example\r\n\(Self.authorization)\r\n", with: client)
            #expect(two.status == 400)
            #expect(two.closedByServer)
            #expect(!two.text.contains("elsewhere"))
            let bad = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: user@elsewhere.example\r\n\(Self.authorization)\r\n", with: client)
            #expect(bad.status == 400)
            // HTTP/1.0 has no Host requirement; one Host is fine in either version.
            let old = try await RawConnection.exchange("GET /api/v1/BatchTask/All HTTP/1.0\r\n\(Self.authorization)\r\n", with: client)
            #expect(old.status == 200)
            let one = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.authorization)Connection: close\r\n\r\n", with: client)
            #expect(one.status == 200)
        }
    }

    @Test func halfARequestIsClosedAfterTheIdleTimeout() async throws {
        var configuration = testConfiguration()
        configuration.idleTimeoutSeconds = 3
        try await withServer(configuration) { client async throws in
            // On a loaded machine the test's own write can come more than three seconds after its connect; the server
            // has then rightly closed the idle connection before the request, and the write fails. That is the
            // behaviour under test too, but not the case this test is after, so it connects again (a few times).
            let half = try await Self.exchangeWritten("GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\n", with: client)
            #expect(half.closedByServer)
            #expect(half.elapsed < .seconds(20), "closed by the idle timeout, not held")
            // A connection kept alive after an answer goes the same way once it idles.
            let idle = try await Self.exchangeWritten(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.authorization)\r\n", with: client)
            #expect(idle.status == 200)
            #expect(idle.closedByServer)
            #expect(idle.elapsed < .seconds(20))
        }
    }

    /// An exchange whose request reached the server: a write refused because the server had already closed the
    /// connection as idle is tried again on a new connection, up to five times.
    static func exchangeWritten(_ request: String, with client: TestClient) async throws -> RawConnection.Outcome {
        var attempt = 1
        while true {
            do {
                return try await RawConnection.exchange(request, with: client, wait: .seconds(30))
            } catch let error as ChannelError where error == .ioOnClosedChannel && attempt < 5 {
                attempt += 1
            }
        }
    }

    @Test func anHTTP10RequestIsClosedAfterItsAnswerUnlessItAsksToKeepAlive() async throws {
        try await withServer { client async throws in
            let old = try await RawConnection.exchange("GET /api/v1/BatchTask/All HTTP/1.0\r\n\(Self.authorization)\r\n", with: client)
            #expect(old.status == 200)
            #expect(old.closedByServer)
            #expect(old.header("Connection") == "close")
            let kept = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.0\r\n\(Self.authorization)Connection: keep-alive\r\n\r\n", with: client, wait: .seconds(1))
            #expect(kept.status == 200)
            #expect(!kept.closedByServer)
            #expect(kept.header("Connection") == "keep-alive")
            // HTTP/1.1 asking to close, in any case, is closed too.
            let closing = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.authorization)Connection: Close\r\n\r\n", with: client)
            #expect(closing.status == 200)
            #expect(closing.closedByServer)
        }
    }

    @Test func aMalformedChunkSizeIsTheClientsError() async throws {
        try await withServer { client async throws in
            let reply = try await RawConnection.exchange(
                "POST /api/v1/BatchTask HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.authorization)Content-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                with: client)
            #expect(reply.status == 400)
            #expect(reply.closedByServer)
            #expect(!reply.text.contains("HTTPParserError"))
            #expect(try await client.get("/api/v1/BatchTask/All").json == [])
        }
    }

    @Test func overLongHeadersGet431WithAShortFixedBodyAndAClose() async throws {
        try await withServer { client async throws in
            let long = String(repeating: "x", count: 100_000)
            let reply = try await RawConnection.exchange(
                "GET /api/v1/BatchTask/All HTTP/1.1\r\nHost: 127.0.0.1\r\n\(Self.authorization)X-Long: \(long)\r\n\r\n", with: client)
            #expect(reply.status == 431)
            #expect(reply.closedByServer)
            #expect(reply.header("Connection") == "close")
            #expect(reply.bytes.count < 1000)
            #expect(!reply.text.contains("xxxx"))
            #expect(!reply.body.contains("HTTPParserError"))
        }
    }

    @Test func aServerFailureNamesNoSQLNoPathAndNoType() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tasks.sqlite").path
        try await withServer(testConfiguration(databasePath: path)) { client async throws in
            let id = try await client.create(["Name": "there"])
            try await #require(client.server).store.execute("DROP TABLE batchtask")
            let reply = try await client.get("/api/v1/BatchTask/\(id)")
            #expect(reply.status == 500)
            #expect(try reply.json["ErrorType"] == "SoServerException")
            for leak in ["SELECT", "batchtask", "sqlite", directory.path, "DatabaseError", "SQLite error"] {
                #expect(!reply.text.contains(leak), "the 500 body names \(leak): \(reply.text)")
            }
        }
    }
}
