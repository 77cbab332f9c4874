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

    /// Every column in the order `TaskRow` reads and writes them.
    static let columns: [String] = BatchTaskField.allCases.map(\.rawValue) + jobColumns

    static let selectList = columns.map { "\"\($0)\"" }.joined(separator: ", ")

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
        return migrator
    }
}
