import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `batchctl` executable, as a user would.
struct BinaryRunner {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `batchctl` built beside the test bundle (or `BATCHCTL_BINARY`).
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["BATCHCTL_BINARY"] { return override }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("batchctl").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return here.appendingPathComponent("batchctl").path
    }

    /// A test runner started in the background by a shell ignores SIGINT, and so would every batchctl it starts
    /// (an ignored signal stays ignored across exec): the tests that interrupt a run need it delivered.
    static let signalsRestored: Void = {
        signal(SIGINT, SIG_DFL)
    }()

    /// The repository root, for the examples.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Where a child starts when no folder is asked for: the repository root, never the test process's own working
    /// directory. A manifest test moves that into folders it then removes, and a child spawned to start in a folder
    /// removed meanwhile fails (ENOENT, reported as its executable missing).
    static let spawnDirectory = URL(fileURLWithPath: repositoryRoot)

    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
        _ = signalsRestored
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory.map { URL(fileURLWithPath: $0) } ?? spawnDirectory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes at once, before waiting: a child that fills one pipe while we wait on the other would block.
        let errRead = PipeReader(err)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = errRead.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()  // written by the reading thread before `done` is signalled, read after

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A temporary directory for one test, removed afterwards.
final class TemporaryDirectory: @unchecked Sendable {  // its path never changes
    let path: String

    init(files: [String: String] = [:]) throws {
        path = NSTemporaryDirectory() + "batchctl-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files {
            let full = path + "/" + name
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension BinaryRunner {
    /// Starts `batchctl` without waiting for it, for tests that interrupt or kill it mid-run. Output is discarded
    /// unless a pipe is given.
    /// Runs `body` with `process` paused (SIGSTOP), and lets it go on (SIGCONT) however `body` ends.
    static func whileStopped<T>(_ process: Process, _ body: () throws -> T) rethrows -> T {
        kill(process.processIdentifier, SIGSTOP)
        defer { kill(process.processIdentifier, SIGCONT) }
        return try body()
    }

    static func start(_ arguments: [String], in directory: String, environment: [String: String], output: Pipe? = nil) throws -> Process {
        try launch(arguments, in: directory, environment: environment, output: output ?? FileHandle.nullDevice)
    }

    /// Starts `batchctl` without waiting for it, its standard output and error appended to `log`.
    static func start(_ arguments: [String], in directory: String, environment: [String: String], log: FileHandle) throws -> Process {
        try launch(arguments, in: directory, environment: environment, output: log)
    }

    /// `output`: a `Pipe` or a `FileHandle`, as `Process` takes them.
    private static func launch(_ arguments: [String], in directory: String, environment: [String: String], output: Any) throws -> Process {
        _ = signalsRestored
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Waits until the file at `path` has grown past `bytes` (the journal of a run under way), or the deadline.
    ///
    /// It polls on its own thread without yielding it: a test that yields while other tests keep every thread of
    /// the pool busy waiting for their processes may resume only after the run it watches has ended.
    static func waitForFile(_ path: String, largerThan bytes: Int, timeout: TimeInterval = 60) async throws {
        waitUntil(timeout: timeout) {
            ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > bytes
        }
    }

    /// Polls `condition` every 10 ms on the calling thread, without yielding it, until it holds or `timeout` passes.
    @discardableResult
    static func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}
