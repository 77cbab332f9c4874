import Foundation
import Logging
import NIOSSL
import PostgresNIO
import State
import Synchronization

/// A state shared by a team, in PostgreSQL: a row per workspace, a row per task entry, a serial per task set, journal
/// rows, a history of every change, and locks per (workspace, task set) held as leased rows.
///
/// Two runs on different task sets of one workspace proceed at once: each locks only its sets, and each save writes
/// only the entries of the sets it holds, after checking that each set's serial is still the one it read (a lost
/// update is impossible even when a lease ran out). Nothing depends on a session-level lock or setting, so a pooler
/// in transaction mode works: advisory locks are transaction-scoped, and leases are rows.
public final class PostgresStateBackend: StateBackend {
    public let location: PostgresLocation
    public let workspace: String
    public var description: String { location.description + (workspace == StateLocation.defaultWorkspace ? "" : " (workspace \(workspace))") }

    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger: Logger
    /// postgres-nio's own log is not batchctl's: failures reach the user as state errors instead.
    static let quiet: Logger = {
        var logger = Logger(label: "batchctl.postgres")
        logger.logLevel = .critical
        return logger
    }()
    private let ready = Mutex<Task<Void, any Error>?>(nil)
    /// What this backend last read or wrote: the base of the next save's difference.
    private let snapshot = Mutex<Snapshot?>(nil)
    /// The lock this process holds, whose sets a save may write.
    let held = Mutex<PostgresLock?>(nil)
    /// Runs whose journal rows `readJournal` handed to the held lock, removed with its own.
    private let replayed = Mutex<[String]>([])

    /// How long a lock lives without renewal; a run renews it every third of that.
    let lease: Duration
    /// `lease` as SQL's `make_interval(secs => ...)` takes it.
    var leaseSeconds: Double { lease.seconds }
    /// The longest one transaction may take, waiting for a connection included.
    let operationTimeout: Duration
    static let lockPollInterval: Duration = .milliseconds(200)
    /// Rows per statement when a save writes many entries.
    static let batchRows = 5000

    struct Snapshot {
        var lineage: String
        var entries: [String: StateEntry]
        var scheduled: [String: String] = [:]
        var pending: [String: [PendingRun]] = [:]
        var setSerials: [String: Int64]
    }

    public init(location: PostgresLocation, workspace: String = StateLocation.defaultWorkspace, lease: Duration = .seconds(30),
                operationTimeout: Duration = .seconds(15)) {
        self.location = location
        self.workspace = workspace
        self.lease = lease
        self.operationTimeout = operationTimeout
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: location.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 8
        logger = Self.quiet
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.quiet)
        self.client = client
        running = Task { await client.run() }
    }

    /// Closes the connections.
    public func close() async {
        await held.withLock { $0 }?.release()
        running.cancel()
    }

    // MARK: - Connecting

    /// The schema is made or migrated on first use, once per process.
    func prepared() async throws(StateError) {
        let task = ready.withLock { ready in
            if let ready { return ready }
            let task = Task { [client, location, logger, operationTimeout, description] in
                try await Self.within(operationTimeout, doing: "connect", place: description) {
                    try await Self.probe(location, logger: logger)
                }
                try await PostgresSchema.migrate(client, schema: location.schema, logger: logger)
            }
            ready = task
            return task
        }
        do {
            try await task.value
        } catch {
            ready.withLock { $0 = nil }
            throw describe(error, doing: "prepare the schema")
        }
    }

    /// One connection of its own, opened and closed before the pool is used: the pool meets a refusal (a database
    /// or user that does not exist, a wrong password, no TLS where it is required) by reconnecting for a minute
    /// and then tells only that its circuit breaker tripped. The first refusal is the answer.
    private static func probe(_ location: PostgresLocation, logger: Logger) async throws {
        var tls = PostgresConnection.Configuration.TLS.disable
        if location.requireTLS { tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration())) }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try? await connection.close()
    }

    /// Runs `body` in a transaction, with database errors told as state errors that name this state.
    func transaction<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StateError) -> T {
        try await prepared()
        let client = self.client
        let logger = self.logger
        do {
            return try await Self.within(operationTimeout, doing: doing, place: description) {
                try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch {
            throw describe(error, doing: doing)
        }
    }

    /// Runs `body` on a connection without a transaction: each statement commits on its own, one round trip where a
    /// transaction takes three.
    func statement(_ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws(StateError) {
        try await prepared()
        let client = self.client
        do {
            try await Self.within(operationTimeout, doing: doing, place: description) {
                try await client.withConnection { connection in try await body(connection) }
            }
        } catch {
            throw describe(error, doing: doing)
        }
    }

    /// `operation`'s result, or a state error once `timeout` has passed: a database that went away makes the pool
    /// wait for a connection without end, and a run must stop sending instead. The operation is cancelled and left
    /// behind, never waited for.
    static func within<T: Sendable>(_ timeout: Duration, doing: String, place: String,
                                    _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.begin(continuation)
            race.start(work: Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            }, timer: Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                race.finish(.failure(StateError.io("cannot \(doing) in \(place): PostgreSQL did not answer within \(timeout)")))
            })
        }
    }

    /// The first of an operation and its timer to finish resumes the caller; the other is cancelled.
    private final class Race<T: Sendable>: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, tasks: [Task<Void, Never>])>((nil, []))

        func begin(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func start(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let done = state.withLock { state -> Bool in
                guard state.continuation != nil else { return true }
                state.tasks = [work, timer]
                return false
            }
            if done {
                work.cancel()
                timer.cancel()
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { state in
                defer { state = (nil, []) }
                return (state.continuation, state.tasks)
            }
            guard let continuation else { return }
            for task in tasks { task.cancel() }
            continuation.resume(with: result)
        }
    }

    /// A database failure in words, without the password (which no error carries) or the query text.
    func describe(_ error: any Error, doing: String) -> StateError {
        if let error = error as? StateError { return error }
        if let error = error as? PostgresTransactionError,
           let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
            return describe(inner, doing: doing)
        }
        if let error = error as? PSQLError {
            return StateError.io("cannot \(doing) in \(description): \(Self.words(error))")
        }
        return StateError.io("cannot \(doing) in \(description): \(String(describing: error).prefix(200))")
    }

    /// A PostgreSQL error in words: its own description is a fixed text that says nothing. What the server said
    /// (severity, SQLSTATE, message, detail), else what happened to the connection.
    static func words(_ error: PSQLError) -> String {
        if let info = error.serverInfo, let message = info[.message] {
            let severity = info[.severity].map { "\($0.prefix(16)): " } ?? ""
            let state = info[.sqlState].map { " (SQLSTATE \($0.prefix(5)))" } ?? ""
            let detail = info[.detail].map { "; \($0.prefix(200))" } ?? ""
            return "PostgreSQL says \(severity)\(message.prefix(300))\(state)\(detail)"
        }
        let reason: String
        switch error.code {
        case .connectionError: reason = "cannot connect to PostgreSQL"
        case .serverClosedConnection: reason = "PostgreSQL closed the connection (the server or this session's backend stopped)"
        case .uncleanShutdown: reason = "the connection to PostgreSQL ended uncleanly"
        case .clientClosedConnection: reason = "the connection was closed"
        case .sslUnsupported: reason = "the server does not offer TLS, which sslmode=require asks for"
        case .failedToAddSSLHandler: reason = "TLS could not be set up"
        case .receivedUnencryptedDataAfterSSLRequest: reason = "the server answered the TLS request unencrypted"
        case .queryCancelled: reason = "the statement was cancelled"
        case .unsupportedAuthMechanism: reason = "the server asks for an authentication method this client does not support"
        case .authMechanismRequiresPassword:
            reason = "the server asks for a password and none was given (in the URL, BATCHCTL_STATE_PASSWORD or PGPASSWORD)"
        case .saslError: reason = "the password authentication (SCRAM) failed"
        case .messageDecodingFailure, .unexpectedBackendMessage, .invalidCommandTag: reason = "the server sent something this client cannot read"
        case .poolClosed: reason = "the connection pool was closed"
        default: reason = "the PostgreSQL client failed (\(error.code))"
        }
        let underlying: String
        switch error.underlying {
        case let inner as PSQLError: underlying = ": " + words(inner)
        case let inner?: underlying = ": \(String(describing: inner).prefix(120))"
        case nil: underlying = ""
        }
        return reason + underlying
    }

    // MARK: - Reading

    public func load() async throws(StateError) -> State? {
        let workspace = self.workspace
        let schema = location.schema
        let place = description
        let loaded: (header: (String, String, Int64, Int)?, entries: [(String, String)], sets: [(String, Int64)],
                     scheduled: [(String, String)], pending: [(String, String)])
        loaded = try await transaction("read the state") { connection in
            // One snapshot for the header, the entries and the serials.
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            var header: (String, String, Int64, Int)?
            for try await row in try await connection.run(
                "SELECT lineage, endpoint, serial, format_version FROM \(unescaped: schema).workspaces WHERE name = \(workspace)"
            ).decode((String, String, Int64, Int).self) {
                header = row
            }
            guard header != nil else { return (nil, [], [], [], []) }
            var entries: [(String, String)] = []
            for try await row in try await connection.run(
                "SELECT address, entry FROM \(unescaped: schema).entries WHERE workspace = \(workspace)"
            ).decode((String, String).self) {
                entries.append(row)
            }
            var sets: [(String, Int64)] = []
            for try await row in try await connection.run(
                "SELECT name, serial FROM \(unescaped: schema).task_sets WHERE workspace = \(workspace)"
            ).decode((String, Int64).self) {
                sets.append(row)
            }
            var scheduled: [(String, String)] = []
            for try await row in try await connection.run(
                "SELECT address, since FROM \(unescaped: schema).schedules WHERE workspace = \(workspace)"
            ).decode((String, String).self) {
                scheduled.append(row)
            }
            var pending: [(String, String)] = []
            for try await row in try await connection.run(
                "SELECT address, runs FROM \(unescaped: schema).pending_runs WHERE workspace = \(workspace)"
            ).decode((String, String).self) {
                pending.append(row)
            }
            return (header, entries, sets, scheduled, pending)
        }
        guard let (lineage, endpoint, serial, version) = loaded.header else {
            snapshot.withLock { $0 = nil }
            return nil
        }
        guard version <= State.formatVersion else {
            throw StateError.newerFormat(
                "\(place) was written by a newer batchctl (formatVersion \(version)); this one reads \(State.formatVersion). Use a newer batchctl; nothing was changed")
        }
        var tasks: [String: StateEntry] = [:]
        tasks.reserveCapacity(loaded.entries.count)
        for (address, text) in loaded.entries {
            tasks[address] = try StateEntry.decode(Array(text.utf8), place: "\(place): the entry \(address)")
        }
        if let problem = State.sharedOwnership(tasks) { throw StateError.corrupt("\(place): \(problem)") }
        let scheduled = Dictionary(loaded.scheduled, uniquingKeysWith: { a, _ in a })
        var state = State(lineage: lineage, serial: Int(serial), endpoint: endpoint, tasks: tasks, scheduled: scheduled)
        for (address, text) in loaded.pending {
            state.pending[address] = try PendingRun.decode(Array(text.utf8), place: "\(place): the pending runs of \(address)")
        }
        let pending = state.pending
        snapshot.withLock {
            $0 = Snapshot(lineage: lineage, entries: tasks, scheduled: scheduled, pending: pending,
                          setSerials: Dictionary(loaded.sets, uniquingKeysWith: { a, _ in a }))
        }
        return state
    }

    // MARK: - Writing

    /// Writes what changed since the last load or save, in one transaction: only entries of the sets the held lock
    /// covers, each set's serial checked against the one read and bumped, a history row per change.
    public func save(_ state: State) async throws(StateError) -> State {
        guard let lock = held.withLock({ $0 }) else {
            throw StateError.locked("\(description): a save needs the lock of the sets it writes")
        }
        let loaded = snapshot.withLock { $0 }
        let base = loaded ?? Snapshot(lineage: state.lineage, entries: [:], setSerials: [:])
        guard base.lineage == state.lineage else {
            throw StateError.conflict("\(description) holds another state (lineage \(base.lineage)) than this run's (\(state.lineage)); nothing was written")
        }
        let diff = StateDiff(from: base.entries, scheduled: base.scheduled, pending: base.pending, to: state)
        let touched = diff.touchedSets
        if let sets = lock.sets {
            let outside = touched.subtracting(sets).sorted()
            guard outside.isEmpty else {
                throw StateError.locked("\(description): this run holds the lock of \(sets.sorted().joined(separator: ", ")) but changed \(outside.joined(separator: ", ")); nothing was written")
            }
        }
        let (schema, workspace, place) = (location.schema, self.workspace, description)
        let (info, expectedRows, serials, startedEmpty) = (lock.info, lock.rowCount, base.setSerials, loaded == nil)
        let newSerials: (workspace: Int64, lineage: String, sets: [String: Int64])
        newSerials = try await transaction("save the state") { connection in
            let writer = StateDiffWriter(connection: connection, schema: schema, workspace: workspace, lock: info, place: place)
            try await writer.checkLease(rows: expectedRows)
            let lineage = try await writer.joinWorkspace(for: state, startedEmpty: startedEmpty)
            let setSerials = try await writer.bumpSets(touched, readAt: serials)
            try await writer.write(diff)
            return (try await writer.bumpWorkspace(), lineage, setSerials)
        }
        var saved = state
        saved.serial = Int(newSerials.workspace)
        saved.lineage = newSerials.lineage
        snapshot.withLock { snapshot in
            var serials = base.setSerials
            for (set, serial) in newSerials.sets { serials[set] = serial }
            snapshot = Snapshot(lineage: newSerials.lineage, entries: state.tasks, scheduled: state.scheduled, pending: state.pending,
                                setSerials: serials)
        }
        return saved
    }

    /// Writes `state` as it is (lineage, serial, entries) into a workspace that holds none: `state migrate`.
    public func copyIn(_ state: State) async throws(StateError) {
        let workspace = self.workspace
        let schema = location.schema
        let place = description
        let rows = state.tasks.map { (address: $0.key, set: StateAddress.setName(of: $0.key), id: $0.value.id,
                                      text: String(decoding: $0.value.encoded(), as: UTF8.self)) }
        try await transaction("copy the state in") { connection in
            var exists = false
            for try await _ in try await connection.run(
                "SELECT 1 FROM \(unescaped: schema).workspaces WHERE name = \(workspace) FOR UPDATE"
            ).decode(Int.self) {
                exists = true
            }
            guard !exists else {
                throw StateError.conflict("\(place) already holds a state; migrate copies only into an empty one, and nothing was changed")
            }
            try await connection.run("""
                INSERT INTO \(unescaped: schema).workspaces (name, lineage, endpoint, serial, format_version)
                VALUES (\(workspace), \(state.lineage), \(state.endpoint), \(Int64(state.serial)), \(State.formatVersion))
                """)
            let sets = Array(Set(rows.map(\.set) + state.scheduled.keys.map(StateAddress.setName(of:))
                                 + state.pending.keys.map(StateAddress.setName(of:)))).sorted()
            try await connection.run("""
                INSERT INTO \(unescaped: schema).task_sets (workspace, name, serial) SELECT \(workspace), unnest(\(sets)::text[]), 1
                """)
            for start in stride(from: 0, to: rows.count, by: Self.batchRows) {
                let batch = rows[start..<min(start + Self.batchRows, rows.count)]
                try await connection.run("""
                    INSERT INTO \(unescaped: schema).entries (workspace, address, task_set, task_id, entry)
                    SELECT \(workspace), * FROM unnest(\(batch.map(\.address))::text[], \(batch.map(\.set))::text[],
                                                      \(batch.map { Int32($0.id) })::integer[], \(batch.map(\.text))::text[])
                    """)
            }
            let scheduled = state.scheduled.map { StateDiff.ScheduleUpsert(address: $0.key, set: StateAddress.setName(of: $0.key), since: $0.value) }
            try await StateDiffWriter.writeSchedules(scheduled, removing: [], connection: connection, schema: schema, workspace: workspace)
            let pending = state.pending.map {
                StateDiff.PendingUpsert(address: $0.key, set: StateAddress.setName(of: $0.key),
                                        runs: String(decoding: PendingRun.encoded($0.value), as: UTF8.self))
            }
            try await StateDiffWriter.writePending(pending, removing: [], connection: connection, schema: schema, workspace: workspace)
        }
    }

    // MARK: - The key of the secret hashes

    public func secretKey(create: Bool) async throws(StateError) -> [UInt8]? {
        // The first run to ask makes the key; the others read it.
        let made = create ? SecretKey.text(SecretKey.random()) : nil
        guard let text = try await storeKey(made, doing: "read the key of the secret hashes") else { return nil }
        guard let key = SecretKey.parse(text) else {
            throw StateError.corrupt("\(description): the key of the secret hashes is not 64 hex digits; it was not changed")
        }
        return key
    }

    public func copyInSecretKey(_ key: [UInt8]) async throws(StateError) {
        let text = SecretKey.text(key)
        guard try await storeKey(text, doing: "store the key of the secret hashes") == text else {
            throw StateError.conflict("\(description) already holds another key of the secret hashes; nothing was changed")
        }
    }

    /// Stores `text` as the workspace's key where it has none (nothing, when nil), then reads the key it holds.
    private func storeKey(_ text: String?, doing: String) async throws(StateError) -> String? {
        let workspace = self.workspace
        let schema = location.schema
        return try await transaction(doing) { connection in
            if let text {
                try await connection.run("""
                    INSERT INTO \(unescaped: schema).secret_keys (workspace, key) VALUES (\(workspace), \(text))
                    ON CONFLICT (workspace) DO NOTHING
                    """)
            }
            var found: String?
            for try await key in try await connection.run(
                "SELECT key FROM \(unescaped: schema).secret_keys WHERE workspace = \(workspace)"
            ).decode(String.self) {
                found = key
            }
            return found
        }
    }

    // MARK: - Journal

    public func openJournal(for lock: any StateLock) async throws(StateError) -> any StateJournal {
        try await prepared()
        return PostgresJournal(backend: self, runID: lock.info.id)
    }

    /// The rows of runs that hold no live lock (they were killed or lost their connection), for the sets `lock`
    /// holds, in the order they were written; their sequences are renumbered run after run, so two runs' records
    /// never pair up.
    public func readJournal(for lock: (any StateLock)?) async throws(StateError) -> [JournalRecord] {
        let workspace = self.workspace
        let schema = location.schema
        let own = lock?.info.id ?? ""
        let sets = (lock as? PostgresLock)?.sets.map { Array($0) }
        let rows: [(String, String)] = try await transaction("read the journal") { connection in
            var rows: [(String, String)] = []
            // Without sets (a reader), the rows of every set.
            let query: PostgresQuery = """
                SELECT run_id, record FROM \(unescaped: schema).journal j
                WHERE workspace = \(workspace) AND run_id <> \(own)
                  AND (\(sets)::text[] IS NULL OR task_set = ANY(\(sets)::text[]))
                  AND NOT EXISTS (SELECT 1 FROM \(unescaped: schema).locks l WHERE l.lock_id = j.run_id AND l.expires_at > now())
                ORDER BY id
                """
            for try await row in try await connection.run(query).decode((String, String).self) { rows.append(row) }
            return rows
        }
        var records: [JournalRecord] = []
        var offsets: [String: Int] = [:]
        var highest = 0
        var runs: [String] = []
        for (run, text) in rows {
            let record = try JournalRecord.decode(Array(text.utf8), place: "\(description): a journal row of run \(run)")
            if offsets[run] == nil {
                offsets[run] = highest
                runs.append(run)
            }
            let renumbered = record.renumbered(record.sequence + (offsets[run] ?? 0))
            highest = max(highest, renumbered.sequence)
            records.append(renumbered)
        }
        if lock != nil { replayed.withLock { $0 = runs } }
        return records
    }

    public func removeJournal(for lock: any StateLock) async throws(StateError) {
        let workspace = self.workspace
        let schema = location.schema
        let runs = replayed.withLock { runs in defer { runs = [] }; return runs } + [lock.info.id]
        let sets = (lock as? PostgresLock)?.sets.map { Array($0) }
        _ = try await transaction("remove the journal") { connection in
            try await connection.run(
                "DELETE FROM \(unescaped: schema).journal WHERE workspace = \(workspace) AND run_id = \(lock.info.id)")
            let others = runs.filter { $0 != lock.info.id }
            guard !others.isEmpty else { return 0 }
            try await connection.run("""
                DELETE FROM \(unescaped: schema).journal
                WHERE workspace = \(workspace) AND run_id = ANY(\(others)::text[])
                  AND (\(sets)::text[] IS NULL OR task_set = ANY(\(sets)::text[]))
                """)
            return 0
        }
    }
}

extension PostgresConnection {
    /// A query on this connection, with the backend's quiet logger.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.query(query, logger: PostgresStateBackend.quiet)
    }

    /// Waits for the transaction-scoped advisory lock named `key`: transactions that take the same key take turns,
    /// and the lock goes with the transaction (no session outlives it, so a pooler in transaction mode works).
    func takeTurns(_ key: String) async throws {
        try await run("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
    }
}

extension PostgresStateBackend {
    /// A task that calls `renew` every `interval` until it is cancelled: a lease's renewal. A renewal that fails is
    /// tried again at the next interval; whoever relies on the lease checks it is live.
    func renewing(every interval: Duration, _ renew: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                await renew()
            }
        }
    }
}
