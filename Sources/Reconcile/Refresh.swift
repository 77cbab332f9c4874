import APIClient
import BatchTask
import JSON
import State

/// Reads what the server holds now for every task the state manages.
///
/// Two ways: one `GET /BatchTask/{id}` per task, or one `GET /BatchTask/All` (every user task, as whole
/// BatchTaskInfo values, api.md) followed by a read by id of each managed task the list does not hold. The list
/// leaves system tasks out, and a task absent from it may be a system task or may have been deleted, so a task
/// is only ever called missing after its read by id answered 404.
///
/// `auto` lists when at least `listThreshold` managed tasks are user tasks. Below it the list costs more than it
/// saves: it carries every user task on the server, managed or not, while a few dozen reads by id finish in one
/// round trip each at the request parallelism. Measured against `batchctl serve` (debug build, 2 cores, default
/// parallelism 10): at 100 tasks the two ways take about the same, from 1,000 the list is several times faster,
/// at 10,000 and 100,000 over ten times (benchmarks/README.md "Refresh and drift as the state grows").
///
/// A list the client cannot take (over its answer size cap, not JSON, or refused by the server) is not an error:
/// the refresh reads every task by id instead, so its cost stays bounded and it never fails for the list's sake.
public enum Refresh {
    /// Managed user tasks from which `auto` reads the list.
    public static let listThreshold = 500

    /// Live tasks by id; ids the server no longer has are absent.
    public static func live(for state: State?, client: BatchTaskClient, concurrency: Int,
                            read: RefreshRead = .auto) async throws(ClientError) -> [Int32: BatchTaskInfo] {
        guard let state, !state.tasks.isEmpty else { return [:] }
        let ids = Array(Set(state.tasks.values.map(\.id))).sorted()
        guard usesList(read, state: state) else {
            return try await client.getMany(ids, concurrency: concurrency)
        }
        let listed: [BatchTaskInfo]
        do {
            listed = try await client.list(state: .all)
        } catch where fallsBack(after: error) {
            return try await client.getMany(ids, concurrency: concurrency)
        }
        var (found, unlisted) = split(ids, listed: listed)
        if !unlisted.isEmpty {
            for (id, task) in try await client.getMany(unlisted, concurrency: concurrency) { found[id] = task }
        }
        return found
    }

    /// Whether a refresh of `state` reads the list.
    static func usesList(_ read: RefreshRead, state: State) -> Bool {
        switch read {
        case .id: return false
        case .list: return true
        case .auto: return hasUserTasks(atLeast: listThreshold, in: state)
        }
    }

    /// Whether at least `count` managed tasks are not recorded as system tasks: only those can be in the list.
    /// It stops at `count`, as each entry's applied fields are parsed to look.
    static func hasUserTasks(atLeast count: Int, in state: State) -> Bool {
        guard state.tasks.count >= count else { return false }
        var users = 0
        for entry in state.tasks.values where entry.applied["IsSystemTask"] != .bool(true) {
            users += 1
            if users >= count { return true }
        }
        return false
    }

    /// The list's values of `ids`, and the ids it does not hold (to be read one by one).
    static func split(_ ids: [Int32], listed: [BatchTaskInfo]) -> (found: [Int32: BatchTaskInfo], unlisted: [Int32]) {
        var byId: [Int32: BatchTaskInfo] = [:]
        byId.reserveCapacity(listed.count)
        for task in listed {
            if let id = task.id { byId[id] = task }
        }
        var found: [Int32: BatchTaskInfo] = [:]
        found.reserveCapacity(ids.count)
        var unlisted: [Int32] = []
        for id in ids {
            if let task = byId[id] { found[id] = task } else { unlisted.append(id) }
        }
        return (found, unlisted)
    }

    /// A list that is too large, unreadable or refused is read by id instead; a failure that reads by id would
    /// meet as well (the server unreachable, the sign-in refused) ends the refresh as it is.
    static func fallsBack(after error: ClientError) -> Bool {
        error.isInvalidResponse || (error.status != nil && !error.isAuthentication && !error.isTenantUnavailable)
    }
}
