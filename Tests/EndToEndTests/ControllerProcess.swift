import Foundation
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// Waits off the cooperative pool: the blocking work (a child process, a poll, a socket) runs on a thread of its
/// own, so a test that waits seconds holds none of the pool's few threads, which tests that time their own
/// awaits (and every `await` of every other test) need.
enum OffPool {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    static func pause(_ seconds: TimeInterval) async {
        _ = await run { usleep(useconds_t(seconds * 1_000_000)) }
    }
}

/// `batchctl controller` as a child process on a free loopback port, its log in a file; stopped by its pid.
final class ControllerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let logPath: String

    /// Starts the controller in `directory` with `arguments` (after `controller --listen 127.0.0.1:0`) and waits for
    /// its "listening on" line.
    static func start(in directory: String, _ arguments: [String], environment: [String: String],
                      log name: String = "controller.log") async throws -> ControllerProcess {
        try await OffPool.run { try ControllerProcess(in: directory, arguments, environment: environment, log: name) }
    }

    private init(in directory: String, _ arguments: [String], environment: [String: String], log name: String = "controller.log") throws {
        logPath = directory + "/" + name
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = try BinaryRunner.start(["controller", "--listen", "127.0.0.1:0"] + arguments, in: directory,
                                             environment: environment, log: log)
        self.process = process
        var found: Int?
        let path = logPath
        BinaryRunner.waitUntil(timeout: 60) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            return found != nil || !process.isRunning
        }
        guard let found else {
            process.terminate()
            throw ControllerStartError(log: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        }
        port = found
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var url: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String) async -> LoopbackHTTP.Answer? {
        let port = self.port
        return await OffPool.run { LoopbackHTTP.request("GET", port: port, path: path) }
    }

    func post(_ path: String) async -> LoopbackHTTP.Answer? {
        let port = self.port
        return await OffPool.run { LoopbackHTTP.request("POST", port: port, path: path) }
    }

    /// `/api/status`, parsed.
    func status() async -> JSONValue? {
        await get("/api/status").flatMap { try? JSONValue.parse($0.body) }
    }

    private func statusNow() -> JSONValue? {
        LoopbackHTTP.request("GET", port: port, path: "/api/status").flatMap { try? JSONValue.parse($0.body) }
    }

    /// Polls `/api/status` every 100 ms until `condition` holds or `timeout` passes; returns the last status.
    @discardableResult
    func waitForStatus(timeout: TimeInterval, _ condition: @escaping @Sendable (JSONValue) -> Bool) async -> JSONValue? {
        await OffPool.run { self.pollStatus(timeout: timeout, condition) }
    }

    private func pollStatus(timeout: TimeInterval, _ condition: (JSONValue) -> Bool) -> JSONValue? {
        var last: JSONValue?
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let status = statusNow() {
                last = status
                if condition(status) { return status }
            }
            usleep(100_000)
        } while Date() < deadline && process.isRunning
        return last
    }

    /// The number of the last finished cycle.
    static func cycle(_ status: JSONValue?) -> Int64 { status?["lastCycle"]?["number"]?.intValue ?? 0 }

    static func set(_ status: JSONValue?, _ name: String) -> JSONValue? {
        status?["sets"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit; nil when it did not exit in time.
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 15) async -> Stopped? {
        await OffPool.run { self.stopNow(signal: signal, timeout: timeout) }
    }

    struct Stopped: Sendable {
        var status: Int32
        var seconds: TimeInterval
    }

    /// `stop`, on the calling thread: for a test that signals right after a wait of its own, on that thread.
    func stopNow(signal: Int32, timeout: TimeInterval) -> Stopped? {
        guard process.isRunning else { return Stopped(status: process.terminationStatus, seconds: 0) }
        let started = Date()
        kill(process.processIdentifier, signal)
        guard BinaryRunner.waitUntil(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return Stopped(status: process.terminationStatus, seconds: Date().timeIntervalSince(started))
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct ControllerStartError: Error, CustomStringConvertible {
    var log: String
    var description: String { "batchctl controller did not say where it listens; it wrote: \(log)" }
}

/// HTTP/1.1 over a loopback socket, blocking, one request per connection: what a probe or a person's curl does.
enum LoopbackHTTP {
    struct Answer: Sendable {
        var status: Int
        var body: String
        var headers: String
    }

    static func request(_ method: String, port: Int, path: String, timeout: TimeInterval = 5) -> Answer? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        let sent = text.utf8CString.withUnsafeBytes { send(fd, $0.baseAddress, $0.count - 1, 0) }
        guard sent > 0 else { return nil }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        let response = String(decoding: data, as: UTF8.self)
        guard let split = response.range(of: "\r\n\r\n") else { return nil }
        let head = String(response[..<split.lowerBound])
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var body = String(response[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Answer(status: status, body: body, headers: head)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n") {
            guard let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            guard bytes.count >= size else { break }
            out += String(decoding: bytes[0..<size], as: UTF8.self)
            rest = Substring(String(decoding: bytes[size...], as: UTF8.self)).dropFirst(2)
        }
        return out
    }
}

/// A webhook receiver: Python's http.server appending each POSTed body as one line to a file.
final class NotificationReceiver {
    let process = Process()
    let port: Int
    let path: String

    static let script = #"""
        import http.server, sys
        path = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with open(path, "ab") as f:
                    f.write(body.replace(b"\n", b" ") + b"\n")
                self.send_response(204)
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init(directory: String) throws {
        guard let python = PythonEnvironment.python3 else { throw PythonError("python3 is not installed") }
        path = directory + "/notifications.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.currentDirectoryURL = BinaryRunner.spawnDirectory
        process.arguments = ["-c", Self.script, path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw PythonError("the notification receiver did not start: \(line)")
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/hook/secret-token" }

    /// Every notification received so far.
    var received: [JSONValue] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
    }

    func triggers() -> [String] { received.compactMap { $0["trigger"]?.stringValue } }

    /// SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM, and the receiver keeps nothing.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
