import BatchTask
import Foundation
import GRDB

/// The tasks in SQLite, through GRDB: a WAL-mode pool for a file (concurrent readers, one writer, fsync only at
/// checkpoints: GRDB's pools set `synchronous=NORMAL`), a single queue for `:memory:`.
final class TaskStore: Sendable {
    private let database: any DatabaseWriter

    /// Opens (creating if needed) the database at `path`, or a private in-memory one for `:memory:`. Tests give
    /// `schemaVersion` to make a database as an older emulator left it.
    init(path: String, schemaVersion: String? = nil) throws {
        var configuration = Configuration()
        configuration.label = "batchctl-emulator"
        // Another process (a second emulator on the same file) may hold the write lock for a moment.
        configuration.busyMode = .timeout(5)
        if path == ":memory:" {
            database = try DatabaseQueue(configuration: configuration)
        } else {
            database = try DatabasePool(path: path, configuration: configuration)
        }
        if let schemaVersion {
            try Schema.migrator.migrate(database, upTo: schemaVersion)
        } else {
            try Schema.migrator.migrate(database)
        }
    }

    func close() {
        try? database.close()
    }

    // MARK: Statements

    private static let insertSQL: String = {
        let columns = Schema.columns.dropFirst()
        return "INSERT INTO batchtask (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(columns.map(Schema.placeholder).joined(separator: ", ")))"
    }()

    private static let updateSQL: String = {
        let assignments = Schema.columns.dropFirst().map { "\"\($0)\" = \(Schema.placeholder($0))" }.joined(separator: ", ")
        return "UPDATE batchtask SET \(assignments) WHERE \"Id\" = ?"
    }()

    private static let insertBlobSQL = #"INSERT INTO binaryobject ("Blob") VALUES (?)"#
    /// The blob a task links to goes with the task, so deleted tasks leave no rows behind.
    private static let deleteBlobSQL = #"DELETE FROM binaryobject WHERE "Id" = (SELECT "DetailsRecord" FROM batchtask WHERE "Id" = ? AND "DetailsTable" = 38 AND "ParameterObject" IS NOT NULL)"#
    private static let selectByIDSQL = "SELECT \(Schema.selectList) FROM batchtask WHERE \"Id\" = ?"
    private static let anyDueSQL = "SELECT EXISTS (SELECT 1 FROM batchtask WHERE \"JobPhase\" > 0 AND \"JobNextTicks\" <= ?)"

    // MARK: Writes

    /// Inserts a task and returns the id the database gave it (its Id property is ignored). A ParameterObject is
    /// stored as a blob and linked (`insert(_:_:)`).
    func insert(_ task: StoredTask) async throws -> Int32 {
        try await database.write { db in try Self.insert(task, db) }
    }

    /// Inserts many tasks in one transaction (seeding large databases for tests and measurements).
    func insert(_ tasks: [StoredTask]) async throws -> [Int32] {
        try await database.write { db in try tasks.map { try Self.insert($0, db) } }
    }

    /// api.md v3, "What the server changes": "when ParameterObject is given, the server serializes it to a blob in
    /// the BinaryObject table and sets DetailsTable and DetailsRecord to that row, whatever the request said". A
    /// task without one keeps the DetailsTable and DetailsRecord it was given. One transaction: blob and task are
    /// stored together or not at all.
    private static func insert(_ task: StoredTask, _ db: Database) throws -> Int32 {
        var task = task
        if let parameters = task.info.parameterObject, !parameters.isNull {
            try db.cachedStatement(sql: insertBlobSQL).execute(arguments: [Data(parameters.serialized().utf8)])
            guard let record = Int32(exactly: db.lastInsertedRowID) else {
                throw StorageError("no BinaryObject ids left: DetailsRecord is 32-bit")
            }
            task.info.detailsTable = Schema.binaryObjectTable
            task.info.detailsRecord = record
        }
        let values = Array(TaskRow.values(of: task).dropFirst())
        try db.cachedStatement(sql: insertSQL).execute(arguments: StatementArguments(values))
        guard let id = Int32(exactly: db.lastInsertedRowID) else {
            // Throwing rolls the insert back: ids are int32 in the API.
            throw StorageError("no task ids left: the API's ids are 32-bit")
        }
        return id
    }

    /// Reads the task, lets `change` modify it, and writes it back, all in one transaction; nil for an unknown id.
    func update<T: Sendable>(
        id: Int32, _ change: @escaping @Sendable (inout StoredTask) throws -> T
    ) async throws -> (task: StoredTask, result: T)? {
        try await database.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.selectByIDSQL), arguments: [id]) else {
                return nil
            }
            var task = try TaskRow.decode(row)
            let result = try change(&task)
            try Self.write(task, db)
            return (task, result)
        }
    }

    private static func write(_ task: StoredTask, _ db: Database) throws {
        var values = Array(TaskRow.values(of: task).dropFirst())
        values.append(Int64(task.id).databaseValue)
        try db.cachedStatement(sql: updateSQL).execute(arguments: StatementArguments(values))
    }

    /// False when there was no such task. `check` sees the task first, in the same transaction, and may throw
    /// to keep it (a failed precondition).
    func delete(id: Int32, check: @escaping @Sendable (StoredTask) throws -> Void = { _ in }) async throws -> Bool {
        try await database.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.selectByIDSQL), arguments: [id]) else {
                return false
            }
            try check(try TaskRow.decode(row))
            try db.cachedStatement(sql: Self.deleteBlobSQL).execute(arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM batchtask WHERE \"Id\" = ?").execute(arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Deletes every listed task that exists, in one transaction; how many were deleted.
    func delete(ids: [Int32]) async throws -> Int {
        try await database.write { db in
            var deleted = 0
            for id in ids {
                try db.cachedStatement(sql: Self.deleteBlobSQL).execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM batchtask WHERE \"Id\" = ?").execute(arguments: [id])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// Writes every job transition due by `now` into its row, so that SQL filters and orders on State see what a
    /// client reading each task would see. Cheap when nothing is due: one indexed read, no write lock.
    ///
    /// Two set-wise UPDATEs rather than `JobLifecycle.advance` row by row (50,000 ended jobs settle in well under a
    /// second instead of ten); they copy what the schedule precomputed and must stay in step with `advance`, which
    /// StorageTests checks.
    func settle(now: Int64) async throws {
        let anyDue = try await database.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: Self.anyDueSQL), arguments: [now]) ?? false
        }
        guard anyDue else { return }
        try await database.write { db in
            try db.cachedStatement(sql: Self.startDueSQL).execute(arguments: [now])
            try db.cachedStatement(sql: Self.endDueSQL).execute(arguments: [now])
        }
    }

    // The `"JobPhase" > 0` term repeats the partial index's condition so SQLite can use the index.
    private static let startDueSQL = """
        UPDATE batchtask SET "State" = 'Started', "LastStarted" = "JobStartedText", "StartCount" = COALESCE("StartCount", 0) + 1,
            "ProgressPercent" = 0, "ProgressDescription" = 'Running', "JobPhase" = 2, "JobNextTicks" = "JobEndTicks",
            "LastStartedTicks" = "JobStartTicks", "LastModifiedTicks" = "JobStartTicks"
        WHERE "JobPhase" > 0 AND "JobPhase" = 1 AND "JobNextTicks" <= ?
        """
    private static let endDueSQL = """
        UPDATE batchtask SET "State" = "JobOutcome", "Result" = "JobResult", "ProgressPercent" = "JobFinalPercent",
            "ProgressDescription" = CASE "JobOutcome" WHEN 'Succeeded' THEN 'Completed' ELSE 'Failed' END,
            "LastModifiedTicks" = "JobEndTicks",
            "JobPhase" = 0, "JobNextTicks" = NULL, "JobStartTicks" = NULL, "JobEndTicks" = NULL, "JobOutcome" = NULL,
            "JobResult" = NULL, "JobFinalPercent" = NULL, "JobStartedText" = NULL
        WHERE "JobPhase" > 0 AND "JobPhase" = 2 AND "JobNextTicks" <= ?
        """

    // MARK: Reads

    func task(id: Int32) async throws -> StoredTask? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: Self.selectByIDSQL), arguments: [id]).map(TaskRow.decode)
        }
    }

    /// Tasks in id order matching a condition over the columns (`?` placeholders), or all for an empty one.
    func tasks(where condition: String, arguments: [DatabaseValue]) async throws -> [StoredTask] {
        let sql = "SELECT \(Schema.selectList) FROM batchtask\(condition.isEmpty ? "" : " WHERE " + condition) ORDER BY \"Id\""
        return try await database.read { db in
            try Array(Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments)).map(TaskRow.decode))
        }
    }

    /// A page of a compiled OData query.
    func tasks(matching query: TaskQuery) async throws -> [StoredTask] {
        let sql = "SELECT \(Schema.selectList) FROM batchtask\(query.whereClause.isEmpty ? "" : " WHERE " + query.whereClause) ORDER BY \(query.orderClause) LIMIT ? OFFSET ?"
        let arguments = StatementArguments(query.arguments + [Int64(min(query.limit, Int(Int64.max))).databaseValue, Int64(query.offset).databaseValue])
        return try await database.read { db in
            try Array(Row.fetchCursor(db, sql: sql, arguments: arguments).map(TaskRow.decode))
        }
    }

    /// For tests: a BinaryObject row's blob as text; nil when there is no such row.
    func blob(id: Int32) async throws -> String? {
        try await database.read { db in
            try Data.fetchOne(db, sql: #"SELECT "Blob" FROM binaryobject WHERE "Id" = ?"#, arguments: [id]).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// For tests and measurements: raw SQL, to seed 100,000 rows in a moment rather than through the model.
    func execute(_ sql: String) async throws {
        try await database.write { db in try db.execute(sql: sql) }
    }

    /// For tests: a PRAGMA's value, to check the journal mode and synchronous setting.
    func pragma(_ name: String) async throws -> String? {
        // The writer's connection: `synchronous` is a per-connection setting.
        try await database.write { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }
}
