import PostgresNIO
import State

/// Writes one save's `StateDiff` inside its transaction: the lease checked, each touched set's serial bumped, the
/// entry, history, schedule and pending run rows in batches, and the workspace's serial bumped last.
struct StateDiffWriter {
    let connection: PostgresConnection
    let schema: String
    let workspace: String
    /// The lock the save holds; its id is the history's run id.
    let lock: LockInfo
    /// The backend's description, for messages.
    let place: String

    /// A lease that ran out may have been taken over: writing then could lose the other run's work.
    func checkLease(rows expected: Int) async throws {
        var live = 0
        for try await count in try await connection.run(
            "SELECT count(*)::int FROM \(unescaped: schema).locks WHERE lock_id = \(lock.id) AND expires_at > now()"
        ).decode(Int.self) {
            live = count
        }
        guard live == expected else {
            throw StateError.locked("\(place): this run's lock (\(lock.id)) ran out or was removed before it saved; nothing was written, and the journal keeps what was sent. Run apply again")
        }
    }

    /// Makes the workspace if it is new (the rows written next refer to it); returns the stored lineage.
    func joinWorkspace(for state: State, startedEmpty: Bool) async throws -> String {
        try await connection.run("""
            INSERT INTO \(unescaped: schema).workspaces (name, lineage, endpoint, serial, format_version)
            VALUES (\(workspace), \(state.lineage), \(state.endpoint), 0, \(State.formatVersion))
            ON CONFLICT (name) DO NOTHING
            """)
        var lineage = ""
        var endpoint = ""
        for try await (storedLineage, storedEndpoint) in try await connection.run(
            "SELECT lineage, endpoint FROM \(unescaped: schema).workspaces WHERE name = \(workspace)"
        ).decode((String, String).self) {
            lineage = storedLineage
            endpoint = storedEndpoint
        }
        // Two first runs on different sets of a new workspace each made a lineage; the first to save made the
        // workspace, and the other joins it: it read no state, and writes only the sets it holds.
        guard lineage == state.lineage || (startedEmpty && endpoint == state.endpoint) else {
            throw StateError.conflict("\(place) holds another state (lineage \(lineage), endpoint \(endpoint)) than this run's; nothing was written")
        }
        return lineage
    }

    /// Bumps the workspace's serial and returns it. The row stays locked until the commit, and runs on other sets
    /// bump it too: a save does this last, so that they wait for each other's commit only, not each other's rows.
    func bumpWorkspace() async throws -> Int64 {
        var workspaceSerial: Int64?
        for try await serial in try await connection.run(
            "UPDATE \(unescaped: schema).workspaces SET serial = serial + 1 WHERE name = \(workspace) RETURNING serial"
        ).decode(Int64.self) {
            workspaceSerial = serial
        }
        guard let workspaceSerial else {
            throw StateError.conflict("\(place): the workspace was removed while this run saved; nothing was written")
        }
        return workspaceSerial
    }

    /// Bumps the serial of each set, refusing a set another run changed since `serials` were read.
    func bumpSets(_ sets: Set<String>, readAt serials: [String: Int64]) async throws -> [String: Int64] {
        var setSerials: [String: Int64] = [:]
        for set in sets.sorted() {
            let expected = serials[set] ?? 0
            var updated: Int64?
            if expected == 0 {
                for try await serial in try await connection.run("""
                    INSERT INTO \(unescaped: schema).task_sets (workspace, name, serial) VALUES (\(workspace), \(set), 1)
                    ON CONFLICT (workspace, name) DO NOTHING RETURNING serial
                    """).decode(Int64.self) {
                    updated = serial
                }
            } else {
                for try await serial in try await connection.run("""
                    UPDATE \(unescaped: schema).task_sets SET serial = serial + 1
                    WHERE workspace = \(workspace) AND name = \(set) AND serial = \(expected) RETURNING serial
                    """).decode(Int64.self) {
                    updated = serial
                }
            }
            guard let updated else {
                throw StateError.conflict("\(place): the task set \(set) was changed by another run after this one read it; nothing was written. Run the command again")
            }
            setSerials[set] = updated
        }
        return setSerials
    }

    /// The diff's entry, history, schedule and pending run rows.
    func write(_ diff: StateDiff) async throws {
        try await writeUpserts(diff.upserts)
        try await writeRemovals(diff.removals)
        try await Self.writeSchedules(diff.scheduleUpserts, removing: diff.scheduleRemovals, connection: connection,
                                      schema: schema, workspace: workspace)
        try await Self.writePending(diff.pendingUpserts, removing: diff.pendingRemovals, connection: connection,
                                    schema: schema, workspace: workspace)
    }

    private func writeUpserts(_ upserts: [StateDiff.Upsert]) async throws {
        let batchRows = PostgresStateBackend.batchRows
        for start in stride(from: 0, to: upserts.count, by: batchRows) {
            let rows = upserts[start..<min(start + batchRows, upserts.count)]
            let addresses = rows.map(\.address), sets = rows.map(\.set), ids = rows.map(\.id), texts = rows.map(\.text)
            try await connection.run("""
                INSERT INTO \(unescaped: schema).entries (workspace, address, task_set, task_id, entry)
                SELECT \(workspace), * FROM unnest(\(addresses)::text[], \(sets)::text[], \(ids)::integer[], \(texts)::text[])
                ON CONFLICT (workspace, address) DO UPDATE
                SET task_set = excluded.task_set, task_id = excluded.task_id, entry = excluded.entry, updated_at = now()
                """)
            let changes = rows.map(\.change)
            try await connection.run("""
                INSERT INTO \(unescaped: schema).history (workspace, address, task_id, change, run_id, by_user, by_host)
                SELECT \(workspace), a, i, c, \(lock.id), \(lock.user), \(lock.host)
                FROM unnest(\(addresses)::text[], \(ids)::integer[], \(changes)::text[]) AS t(a, i, c)
                """)
        }
    }

    private func writeRemovals(_ removals: [StateDiff.Removal]) async throws {
        let batchRows = PostgresStateBackend.batchRows
        for start in stride(from: 0, to: removals.count, by: batchRows) {
            let rows = removals[start..<min(start + batchRows, removals.count)]
            let addresses = rows.map(\.address), ids = rows.map(\.id)
            try await connection.run(
                "DELETE FROM \(unescaped: schema).entries WHERE workspace = \(workspace) AND address = ANY(\(addresses)::text[])")
            try await connection.run("""
                INSERT INTO \(unescaped: schema).history (workspace, address, task_id, change, run_id, by_user, by_host)
                SELECT \(workspace), a, i, 'removed', \(lock.id), \(lock.user), \(lock.host)
                FROM unnest(\(addresses)::text[], \(ids)::integer[]) AS t(a, i)
                """)
        }
    }

    /// Upserts and removes rows of `schedules`, in batches; also for a copy, which holds no lock.
    static func writeSchedules(_ upserts: [StateDiff.ScheduleUpsert], removing removals: [String],
                               connection: PostgresConnection, schema: String, workspace: String) async throws {
        let batchRows = PostgresStateBackend.batchRows
        for start in stride(from: 0, to: upserts.count, by: batchRows) {
            let rows = upserts[start..<min(start + batchRows, upserts.count)]
            try await connection.run("""
                INSERT INTO \(unescaped: schema).schedules (workspace, address, task_set, since)
                SELECT \(workspace), * FROM unnest(\(rows.map(\.address))::text[], \(rows.map(\.set))::text[], \(rows.map(\.since))::text[])
                ON CONFLICT (workspace, address) DO UPDATE SET task_set = excluded.task_set, since = excluded.since
                """)
        }
        for start in stride(from: 0, to: removals.count, by: batchRows) {
            let rows = Array(removals[start..<min(start + batchRows, removals.count)])
            try await connection.run(
                "DELETE FROM \(unescaped: schema).schedules WHERE workspace = \(workspace) AND address = ANY(\(rows)::text[])")
        }
    }

    /// Upserts and removes rows of `pending_runs`, in batches; also for a copy, which holds no lock.
    static func writePending(_ upserts: [StateDiff.PendingUpsert], removing removals: [String],
                             connection: PostgresConnection, schema: String, workspace: String) async throws {
        let batchRows = PostgresStateBackend.batchRows
        for start in stride(from: 0, to: upserts.count, by: batchRows) {
            let rows = upserts[start..<min(start + batchRows, upserts.count)]
            try await connection.run("""
                INSERT INTO \(unescaped: schema).pending_runs (workspace, address, task_set, runs)
                SELECT \(workspace), * FROM unnest(\(rows.map(\.address))::text[], \(rows.map(\.set))::text[], \(rows.map(\.runs))::text[])
                ON CONFLICT (workspace, address) DO UPDATE SET task_set = excluded.task_set, runs = excluded.runs
                """)
        }
        for start in stride(from: 0, to: removals.count, by: batchRows) {
            let rows = Array(removals[start..<min(start + batchRows, removals.count)])
            try await connection.run(
                "DELETE FROM \(unescaped: schema).pending_runs WHERE workspace = \(workspace) AND address = ANY(\(rows)::text[])")
        }
    }
}
