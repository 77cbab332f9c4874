import BatchTask
import GRDB

/// The `batchtask` table: one column per BatchTaskInfo property, named as the API names it, plus the job's
/// schedule. Versioned with GRDB's migrator so a database written by an older emulator is upgraded, not lost.
enum Schema {
    static let table = "batchtask"

    /// Job columns, after the 22 property columns.
    static let jobColumns = [
        "JobPhase", "JobNextTicks", "JobStartTicks", "JobEndTicks", "JobOutcome", "JobResult", "JobFinalPercent", "JobStartedText",
    ]

    /// Columns of migration v2, after the job columns: the instant of the task's last change (for
    /// If-Unmodified-Since), and Created and LastStarted as instants, so that they filter and sort by time rather
    /// than by their text (`-05:00` and `+00:00` compare correctly).
    static let instantColumns = ["LastModifiedTicks", "CreatedTicks", "LastStartedTicks"]

    /// Every column in the order `TaskRow` reads and writes them.
    static let columns: [String] = BatchTaskField.allCases.map(\.rawValue) + jobColumns + instantColumns

    /// The column a comparison or an order on `field` uses: a date's ticks, anything else its own column.
    static func orderingColumn(_ field: BatchTaskField) -> String {
        switch field {
        case .created: return "CreatedTicks"
        case .lastStarted: return "LastStartedTicks"
        default: return field.rawValue
        }
    }

    /// The columns that hold text (TEXT in the table): every property but the numbers and flags, and the job's
    /// outcome, result and start text. They are written at `SQLiteText.placeholder` and read as their bytes.
    static let textColumns: Set<String> = Set(
        BatchTaskField.allCases.filter { $0.valueType != .int32 && $0.valueType != .bool }.map(\.rawValue)
            + ["JobOutcome", "JobResult", "JobStartedText"])

    /// The placeholder a value of `column` is bound at in an INSERT or UPDATE.
    static func placeholder(_ column: String) -> String {
        textColumns.contains(column) ? SQLiteText.placeholder : "?"
    }

    /// Every column in `columns` order, text columns as their bytes (see `SQLiteText`).
    static let selectList = columns.map { textColumns.contains($0) ? SQLiteText.selected($0) : "\"\($0)\"" }.joined(separator: ", ")

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // AUTOINCREMENT: a deleted task's id is never handed out again, so a client's record of an old id can
            // never come to mean a different task.
            try db.execute(sql: """
                CREATE TABLE batchtask (
                    "Id" INTEGER PRIMARY KEY AUTOINCREMENT,
                    "Name" TEXT,
                    "AssociateId" INTEGER,
                    "DetailsTable" INTEGER,
                    "DetailsRecord" INTEGER,
                    "IsSystemTask" INTEGER,
                    "IsInternalTask" INTEGER,
                    "ParameterObject" TEXT,
                    "LastStarted" TEXT,
                    "Created" TEXT,
                    "StartCount" INTEGER,
                    "DatabaseSerialNumber" TEXT,
                    "Context" TEXT,
                    "Result" TEXT,
                    "State" TEXT,
                    "Description" TEXT,
                    "Response" TEXT,
                    "Request" TEXT,
                    "ProgressDescription" TEXT,
                    "ProgressPercent" INTEGER,
                    "FileName" TEXT,
                    "CancellationBehaviour" TEXT,
                    "JobPhase" INTEGER NOT NULL DEFAULT 0,
                    "JobNextTicks" INTEGER,
                    "JobStartTicks" INTEGER,
                    "JobEndTicks" INTEGER,
                    "JobOutcome" TEXT,
                    "JobResult" TEXT,
                    "JobFinalPercent" INTEGER,
                    -- LastStarted's text for JobStartTicks, so that settling is plain SQL.
                    "JobStartedText" TEXT
                );
                -- The filters and orders a client is expected to use at 100,000 tasks.
                CREATE INDEX batchtask_name ON batchtask("Name");
                CREATE INDEX batchtask_state ON batchtask("State");
                CREATE INDEX batchtask_associate ON batchtask("AssociateId");
                -- Jobs with a transition still to come, by when it is due: what settling reads.
                CREATE INDEX batchtask_due ON batchtask("JobNextTicks") WHERE "JobPhase" > 0;
                """)
        }
        migrator.registerMigration("v2") { db in
            // Added, never rebuilt: a database of the v1 emulator keeps every row and gains the instants, read
            // from the text it already holds. Rows from v1 have no last change recorded (NULL), so a precondition
            // on them is ignored, as RFC 9110 says for a resource without a modification date.
            try db.execute(sql: """
                ALTER TABLE batchtask ADD COLUMN "LastModifiedTicks" INTEGER;
                ALTER TABLE batchtask ADD COLUMN "CreatedTicks" INTEGER;
                ALTER TABLE batchtask ADD COLUMN "LastStartedTicks" INTEGER;
                CREATE INDEX batchtask_created ON batchtask("CreatedTicks");
                """)
            let rows = try Row.fetchAll(db, sql: #"SELECT "Id", "Created", "LastStarted" FROM batchtask"#)
            for row in rows {
                let id: Int64 = row[0]
                let created: String? = row[1]
                let lastStarted: String? = row[2]
                try db.execute(
                    sql: #"UPDATE batchtask SET "CreatedTicks" = ?, "LastStartedTicks" = ? WHERE "Id" = ?"#,
                    arguments: [created.flatMap(DotNetDate.init)?.ticksSince1970, lastStarted.flatMap(DotNetDate.init)?.ticksSince1970, id])
            }
        }
        migrator.registerMigration("v3") { db in
            // api.md v3, "What the server changes": the server serializes a ParameterObject "to a blob in the
            // BinaryObject table" and links the task to that row. AUTOINCREMENT: a blob id is never handed out twice.
            try db.execute(sql: """
                CREATE TABLE binaryobject (
                    "Id" INTEGER PRIMARY KEY AUTOINCREMENT,
                    "Blob" BLOB NOT NULL
                );
                """)
        }
        return migrator
    }

    /// The BinaryObject table's number in DetailsTable. api.md v3, our choice: "BinaryObject is table number 38 in
    /// its numbering".
    static let binaryObjectTable: Int32 = 38
}
