import APIClient
import BatchTask

/// Reads the tasks a filter matches from the API, system tasks included, each as the whole BatchTaskInfo a
/// documented call returns.
public enum TenantReader {
    /// The matching tasks, ordered by id. `GET /BatchTask/All` gives the user tasks; system tasks are found by Name
    /// with `GetAllBatchTaskInfosByName` (api.md: the call that returns both). The OData list says which Names
    /// exist beyond the user tasks; being an archive, it is used for nothing but Names and ids.
    public static func read(client: BatchTaskClient, filter: TaskFilter, concurrency: Int) async throws -> [BatchTaskInfo] {
        var found: [Int32: BatchTaskInfo] = [:]
        func keep(_ tasks: some Sequence<BatchTaskInfo>) {
            for task in tasks { if let id = task.id { found[id] = task } }
        }
        if filter.namesAreExact {
            for glob in filter.names { keep(try await client.tasks(named: glob.pattern)) }
            return sorted(found.values, filter)
        }
        keep(try await client.list(state: .all))
        guard filter.kind != .user else { return sorted(found.values, filter) }
        var names: Set<String> = []
        var listed: [Int32] = []
        for row in try await client.queryAll(filter: nil) {
            guard let id = row.primaryKey, found[id] == nil else { continue }
            if let name = row["name"]?.stringValue {
                if filter.matches(name: name) { names.insert(name); listed.append(id) }
            } else {
                listed.append(id)
            }
        }
        for name in names.sorted() { keep(try await client.tasks(named: name)) }
        // A row without a Name column, or one renamed since the list was read, is read by its id.
        let missing = listed.filter { found[$0] == nil }
        if !missing.isEmpty { keep(try await client.getMany(missing, concurrency: concurrency).values) }
        return sorted(found.values, filter)
    }

    private static func sorted(_ tasks: some Sequence<BatchTaskInfo>, _ filter: TaskFilter) -> [BatchTaskInfo] {
        tasks.filter(filter.matches).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
    }
}
