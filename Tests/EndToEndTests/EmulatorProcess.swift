import Foundation

/// `batchctl serve` as a child process on a free loopback port, stopped by its pid when the test ends.
final class EmulatorProcess: @unchecked Sendable {  // set up once, then only read and stopped
    let process = Process()
    let baseURL: String
    let user = "e2e"
    let password = "e2e-password-\(UUID().uuidString.prefix(8))"
    private let output = Pipe()

    /// Starts the server with `arguments` (faults, job duration) and waits for its "listening on" line.
    init(database: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: BinaryRunner.binary)
        process.currentDirectoryURL = BinaryRunner.spawnDirectory
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--db", database, "--user", "\(user):\(password)"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        var url: String?
        while url == nil, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: "listening on ") {
                let rest = text[range.upperBound...]
                if let end = rest.firstIndex(of: "\n") { url = String(rest[..<end]) }
            }
        }
        guard let url else {
            process.terminate()
            throw EmulatorStartError(output: String(decoding: buffer, as: UTF8.self))
        }
        baseURL = url
    }

    /// The environment that points batchctl at this server with its credential.
    var environment: [String: String] {
        ["BATCHCTL_ENDPOINT": baseURL, "BATCHCTL_USER": user, "BATCHCTL_PASSWORD": password]
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct EmulatorStartError: Error, CustomStringConvertible {
    var output: String
    var description: String { "batchctl serve did not say where it listens; it printed: \(output)" }
}
