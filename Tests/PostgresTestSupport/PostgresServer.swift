import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of the tests' own: `initdb` into a temporary folder, `pg_ctl` on a free loopback port (as
/// the `postgres` user when the tests run as root), stopped by its pid when the test process ends.
///
/// One server serves every test of the process; each test works in a schema of its own.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let directory: String
    public let user = "batchctl"
    public let database = "postgres"
    private let binaries: String
    private let lock = NSLock()

    /// Why the tests that need PostgreSQL cannot run here; nil when they can. With `CI=true` nothing is skipped.
    public static let missingPrerequisite: String? = {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return nil }
        return binaryDirectory() == nil
            ? "skipped: PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)" : nil
    }()

    /// The shared server, started on first use.
    public static func shared() throws -> PostgresServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<PostgresServer, any Error> = {
        do {
            let server = try PostgresServer()
            running = server
            atexit {
                guard let server = PostgresServer.running else { return }
                server.stop()
                try? FileManager.default.removeItem(atPath: server.directory)
            }
            return .success(server)
        } catch {
            return .failure(error)
        }
    }()

    nonisolated(unsafe) private static var running: PostgresServer?

    /// A server of the caller's own, for a test that stops or restarts it: the shared one serves the tests that run
    /// at the same time. Stop it when done (`stop()`, then remove `directory`); one left running is stopped at exit.
    public static func dedicated() throws -> PostgresServer {
        let server = try PostgresServer()
        dedicatedLock.lock()
        defer { dedicatedLock.unlock() }
        if dedicatedServers.isEmpty {
            atexit {
                PostgresServer.dedicatedLock.lock()
                defer { PostgresServer.dedicatedLock.unlock() }
                for server in PostgresServer.dedicatedServers { server.stop() }
            }
        }
        dedicatedServers.append(server)
        return server
    }

    private static let dedicatedLock = NSLock()
    nonisolated(unsafe) private static var dedicatedServers: [PostgresServer] = []

    /// A schema name no other test uses: `prefix` and 16 random hex digits.
    public static func freshSchema(_ prefix: String = "t_") -> String {
        prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// `postgres://batchctl@127.0.0.1:PORT/postgres?schema=SCHEMA`: a fresh schema name each call when none is given.
    public func url(schema: String = PostgresServer.freshSchema()) -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?schema=\(schema)"
    }

    init() throws {
        guard let binaries = Self.binaryDirectory() else {
            throw Failure("PostgreSQL is not installed: initdb and pg_ctl were not found on PATH or under /usr/lib/postgresql")
        }
        self.binaries = binaries
        directory = NSTemporaryDirectory() + "batchctl-pg-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if geteuid() == 0 {
            guard let account = getpwnam("postgres") else { throw Failure("running as root, but there is no postgres user") }
            chown(directory, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        port = try Self.freePort()
        try run("initdb", ["-D", directory + "/data", "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    /// Starts (or starts again) the server on its folder and port, and waits until it accepts connections.
    public func start() throws {
        try run("pg_ctl", [
            "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
            "-o", "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c fsync=off -c max_connections=200",
            "start",
        ])
    }

    /// The postmaster's pid, from its pid file; nil when it is not running.
    public var pid: pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first), kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    /// Stops the server by its pid (a fast shutdown: connections are cut), and waits until it is gone.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard let pid else { return }
        kill(pid, SIGINT)
        var waited = 0
        while kill(pid, 0) == 0, waited < 600 {
            usleep(50_000)
            waited += 1
        }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// A restart in the middle of whatever the tests do: every connection is cut.
    public func restart() throws {
        stop()
        try start()
    }

    /// Runs `psql -c SQL` against the server and returns its unaligned output.
    public func psql(_ sql: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                asPostgres: false)
    }

    /// Runs a program to its end with posix_spawn and waitpid, its output in a file: no run loop or pipe is
    /// involved, so it works from any thread, and the server pg_ctl leaves running holds nothing of ours.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], asPostgres: Bool = true) throws -> String {
        let path = binaries + "/" + program
        // Started in / by env(1): another test may have changed this process's working directory to a folder it
        // then removed, and initdb refuses to start where it cannot tell where it is.
        let command = asPostgres && geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments
        let argv = ["/usr/bin/env", "-C", "/"] + command
        // One file per call: tests run psql at the same time.
        let outputPath = directory + "/\(program)-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw Failure("cannot start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        guard exited && (status >> 8) & 0xff == 0 else {
            throw Failure("\(program) \(arguments.joined(separator: " ")) failed (status \(status)): \(text.suffix(2000))")
        }
        return text
    }

    static func binaryDirectory() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init)
        where FileManager.default.isExecutableFile(atPath: directory + "/initdb") && FileManager.default.isExecutableFile(atPath: directory + "/pg_ctl") {
            // The folder the programs really live in, where psql sits beside them.
            return URL(fileURLWithPath: directory + "/initdb").resolvingSymlinksInPath().deletingLastPathComponent().path
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return nil
    }

    /// A port nothing listens on now: bound to port 0, read back, closed.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
