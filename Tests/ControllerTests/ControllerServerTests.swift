import APIClient
@testable import Controller
import DesiredTasks
import Foundation
import Logging
import Serving
import State
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The controller's HTTP server over loopback against clients that send half a request or nothing: they cannot
/// hold it, and a probe is answered.
@Suite struct ControllerServerTests {
    /// A controller server with `limits`, on a free port, with a reconciler that never runs.
    private func withServer(_ limits: ConnectionLimits, _ body: (ControllerServer) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "batchctl-controller-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let statePath = directory + "/batchctl.state.json"
        let client = BatchTaskClient(configuration: ClientConfiguration(baseURL: "http://127.0.0.1:9"))
        let logger = Logger(label: "test")
        let parts = ControllerParts(
            expand: { ExpansionResult() }, now: { Date() }, client: client, backend: try StateLocation.backend(for: statePath),
            lease: SingleControllerLease(statePath: statePath, holder: LockInfo.current(operation: "controller")),
            directory: directory, logger: logger)
        let notifier = try Notifier(urls: [], logger: logger)
        let reconciler = Reconciler(settings: ControllerSettings(endpoint: "embedded", workspace: "default"), parts: parts,
                                    notifier: notifier)
        let server = try await ControllerServer.start(host: "127.0.0.1", port: 0, reconciler: reconciler, logger: logger, limits: limits)
        do {
            try await body(server)
        } catch {
            await server.stop()
            await notifier.shutdown()
            await client.shutdown()
            throw error
        }
        await server.stop()
        await notifier.shutdown()
        await client.shutdown()
    }

    @Test func halfARequestOrNothingIsClosedAfterTheHeaderTimeout() async throws {
        try await withServer(ConnectionLimits(idleTimeout: .seconds(30), headerTimeout: .seconds(1), maximumConnections: 64)) { server in
            let half = try (0..<5).map { _ in try RawConnection(port: server.port) }
            for connection in half { connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
            let silent = try (0..<3).map { _ in try RawConnection(port: server.port) }
            for connection in half + silent {
                #expect(await connection.waitForClose(within: .seconds(5)), "a connection that sent half a request or nothing stayed open")
            }
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterAnAnswer() async throws {
        // Three seconds of idleness, so that a loaded machine's delay between the connect and the send is not taken
        // for it.
        try await withServer(ConnectionLimits(idleTimeout: .seconds(3), headerTimeout: .seconds(30), maximumConnections: 64)) { server in
            let connection = try RawConnection(port: server.port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await connection.waitForClose(within: .seconds(15)), "a kept-alive connection with nothing to do stayed open")
            #expect(connection.received.hasPrefix("HTTP/1.1 200"), "\(connection.received)")
        }
    }

    @Test func pastTheCapTheOldestWaitingConnectionMakesWayAndAProbeIsAnswered() async throws {
        try await withServer(ConnectionLimits(idleTimeout: .seconds(60), headerTimeout: .seconds(60), maximumConnections: 4)) { server in
            var hogs: [RawConnection] = []
            for _ in 0..<40 {
                let hog = try RawConnection(port: server.port)
                hog.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                hogs.append(hog)
            }
            // The hogs made way for each newcomer, oldest first: at most the cap of them is still open. The server
            // accepts them in its own time, so the probe comes once it has seen them all.
            var closed = 0
            for hog in hogs {
                if await hog.waitForClose(within: .seconds(2)) { closed += 1 }
                if closed >= 36 { break }
            }
            let started = ContinuousClock.now
            let probe = try RawConnection(port: server.port)
            probe.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(await probe.waitForClose(within: .seconds(10)))
            #expect(ContinuousClock.now - started < .seconds(45), "the probe waited for the 60 s header timeout")
            #expect(probe.received.hasPrefix("HTTP/1.1 200"), "\(probe.received)")
            #expect(probe.received.hasSuffix("ok\n"), "\(probe.received)")
            #expect(closed >= 36, "\(closed) of 40 connections over a cap of 4 were closed")
        }
    }
}

/// A plain TCP connection to loopback, for sending half a request.
private final class RawConnection {
    let fd: Int32
    private(set) var received = ""

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw CocoaError(.fileReadUnknown)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes the connection; false when it is still open after `timeout`. Never blocks a
    /// thread: the server under test answers on the same threads.
    func waitForClose(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return true }
                received += String(decoding: buffer[0..<count], as: UTF8.self)
                continue
            }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
