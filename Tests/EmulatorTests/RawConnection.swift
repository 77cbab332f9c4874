import Foundation
import NIOCore
import NIOPosix
import Testing

/// A TCP connection to the server under test that sends bytes exactly as written, for HTTP that no client library
/// sends (no Host, two of them, a broken chunk size, half a request), and reads whatever comes back.
enum RawConnection {
    /// What the server sent, and whether it closed the connection before the wait ran out.
    struct Outcome: Sendable, CustomTestStringConvertible {
        var bytes: [UInt8]
        var closedByServer: Bool
        /// How long after the request was written the server closed (or the wait ran out).
        var elapsed: Duration

        var text: String { String(decoding: bytes, as: UTF8.self) }

        var testDescription: String {
            "\(closedByServer ? "closed" : "still open") after \(elapsed), \(bytes.count) bytes: \(text.prefix(400).debugDescription)"
        }

        /// The status code of every response, in order.
        var statuses: [Int] {
            text.components(separatedBy: "\r\n").compactMap { line in
                guard line.hasPrefix("HTTP/1.") else { return nil }
                let parts = line.split(separator: " ")
                return parts.count >= 2 ? Int(parts[1]) : nil
            }
        }

        var status: Int? { statuses.first }

        /// A header of the first response (the name in any case).
        func header(_ name: String) -> String? {
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        /// The first response's body, as its Content-Length frames it.
        var body: String {
            guard let end = text.range(of: "\r\n\r\n") else { return "" }
            let rest = text[end.upperBound...]
            guard let length = header("Content-Length").flatMap({ Int($0) }) else { return String(rest) }
            return String(decoding: Array(rest.utf8).prefix(length), as: UTF8.self)
        }
    }

    /// Writes `request` to the test server and reads until the server closes or `wait` passes.
    static func exchange(_ request: String, with client: TestClient, wait: Duration = .seconds(5)) async throws -> Outcome {
        let port = try #require(client.server?.address.port, "the test did not start the server itself")
        return try await exchange(Array(request.utf8), port: port, wait: wait)
    }

    static func exchange(_ request: [UInt8], port: Int, wait: Duration) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let started = ContinuousClock.now
            try await outbound.write(ByteBuffer(bytes: request))
            return await withTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    var received: [UInt8] = []
                    do {
                        for try await buffer in inbound { received += buffer.readableBytesView }
                    } catch {
                        // A reset is a close too.
                    }
                    return Outcome(bytes: received, closedByServer: !Task.isCancelled, elapsed: ContinuousClock.now - started)
                }
                group.addTask {
                    try? await Task.sleep(for: wait)
                    return nil
                }
                var outcome: Outcome?
                while let next = await group.next() {
                    if let next {
                        outcome = next
                        break
                    }
                    // The wait ran out: stop reading, and take what the reader had.
                    group.cancelAll()
                }
                group.cancelAll()
                return outcome ?? Outcome(bytes: [], closedByServer: false, elapsed: ContinuousClock.now - started)
            }
        }
    }
}
