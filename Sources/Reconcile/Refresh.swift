import APIClient
import BatchTask
import State

/// Reads what the server holds now for every task the state manages.
public enum Refresh {
    /// Live tasks by id; ids the server no longer has are absent.
    public static func live(for state: State?, client: BatchTaskClient, concurrency: Int) async throws(ClientError) -> [Int32: BatchTaskInfo] {
        guard let state, !state.tasks.isEmpty else { return [:] }
        let ids = Array(Set(state.tasks.values.map(\.id))).sorted()
        return try await client.getMany(ids, concurrency: concurrency)
    }
}
