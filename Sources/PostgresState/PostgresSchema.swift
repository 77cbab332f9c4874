import Logging
import PostgresNIO
import State

/// batchctl's tables, created and migrated by batchctl itself in a schema of their own.
///
/// Migrating runs in one transaction under a transaction-scoped advisory lock, so two processes that start at once
/// take turns (the second finds the work done), and a connection pooler in transaction mode is no obstacle: no
/// session-level lock or setting outlives a transaction.
enum PostgresSchema {
    /// Each version's statements, in order; a database at version N has run those of the first N.
    static func migrations(_ s: String) -> [[String]] {
        [
            stateTables(s) + runTables(s),
            [
                // Scheduled tasks that have not run yet: since when they are scheduled (state format 2).
                """
                CREATE TABLE \(s).schedules (
                    workspace text NOT NULL REFERENCES \(s).workspaces (name) ON DELETE CASCADE,
                    address text NOT NULL,
                    task_set text NOT NULL,
                    since text NOT NULL,
                    PRIMARY KEY (workspace, address))
                """,
            ],
            [
                // The key each workspace's secrets are hashed with, apart from the entries that hold the hashes.
                """
                CREATE TABLE \(s).secret_keys (
                    workspace text PRIMARY KEY,
                    key text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now())
                """,
            ],
            [
                // Which controller of a workspace leads (`batchctl controller` with replicas): one leased row.
                """
                CREATE TABLE \(s).leaders (
                    workspace text PRIMARY KEY,
                    lease_id text NOT NULL,
                    holder text NOT NULL,
                    expires_at timestamptz NOT NULL)
                """,
            ],
            [
                // Runs that wait for what they depend on: an address's pending runs as the state file's `pending`
                // holds them (a JSON array), in its address's set.
                """
                CREATE TABLE \(s).pending_runs (
                    workspace text NOT NULL REFERENCES \(s).workspaces (name) ON DELETE CASCADE,
                    address text NOT NULL,
                    task_set text NOT NULL,
                    runs text NOT NULL,
                    PRIMARY KEY (workspace, address))
                """,
            ],
        ]
    }

    /// Version 1's state: workspaces, their task sets and entries.
    private static func stateTables(_ s: String) -> [String] {
        [
            """
            CREATE TABLE \(s).workspaces (
                name text PRIMARY KEY,
                lineage text NOT NULL,
                endpoint text NOT NULL,
                serial bigint NOT NULL,
                format_version integer NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE \(s).task_sets (
                workspace text NOT NULL REFERENCES \(s).workspaces (name) ON DELETE CASCADE,
                name text NOT NULL,
                serial bigint NOT NULL,
                PRIMARY KEY (workspace, name))
            """,
            """
            CREATE TABLE \(s).entries (
                workspace text NOT NULL REFERENCES \(s).workspaces (name) ON DELETE CASCADE,
                address text NOT NULL,
                task_set text NOT NULL,
                task_id integer NOT NULL,
                entry text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (workspace, address))
            """,
        ]
    }

    /// Version 1's record of runs: locks, the journal and the history of changes.
    private static func runTables(_ s: String) -> [String] {
        [
            """
            CREATE TABLE \(s).locks (
                workspace text NOT NULL,
                task_set text NOT NULL,
                lock_id text NOT NULL,
                holder text NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (workspace, task_set))
            """,
            """
            CREATE INDEX locks_by_id ON \(s).locks (lock_id)
            """,
            """
            CREATE TABLE \(s).journal (
                id bigserial PRIMARY KEY,
                workspace text NOT NULL,
                run_id text NOT NULL,
                task_set text NOT NULL,
                record text NOT NULL,
                written_at timestamptz NOT NULL DEFAULT clock_timestamp())
            """,
            """
            CREATE INDEX journal_by_run ON \(s).journal (workspace, run_id)
            """,
            """
            CREATE TABLE \(s).history (
                id bigserial PRIMARY KEY,
                workspace text NOT NULL,
                address text NOT NULL,
                task_id integer,
                change text NOT NULL,
                run_id text NOT NULL,
                by_user text NOT NULL,
                by_host text NOT NULL,
                at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE INDEX history_by_address ON \(s).history (workspace, address, at)
            """,
        ]
    }

    /// Brings the schema to the newest version this batchctl knows; refuses one a newer batchctl wrote.
    static func migrate(_ client: PostgresClient, schema: String, logger: Logger) async throws {
        let steps = migrations(schema)
        try await client.withTransaction(logger: logger) { connection in
            let key = "batchctl schema \(schema)"
            try await connection.takeTurns(key)
            try await connection.run("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)")
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            var current = 0
            for try await version in try await connection.run(
                "SELECT coalesce(max(version), 0) FROM \(unescaped: schema).schema_migrations"
            ).decode(Int.self) {
                current = version
            }
            guard current <= steps.count else {
                throw StateError.newerFormat(
                    "the PostgreSQL schema \(schema) is at version \(current), written by a newer batchctl; this one knows \(steps.count). Use a newer batchctl; nothing was changed")
            }
            for (index, statements) in steps.enumerated() where index + 1 > current {
                for statement in statements { try await connection.run(PostgresQuery(unsafeSQL: statement)) }
                try await connection.run(
                    "INSERT INTO \(unescaped: schema).schema_migrations (version) VALUES (\(index + 1))")
            }
        }
    }
}
