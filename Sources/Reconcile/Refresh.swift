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
/// `auto` lists when at least `listThreshold` managed tasks are user tasks. Measured with a debug build against
/// `batchctl serve` holding only the managed tasks (2 shared cores, parallelism 10, whole `drift` commands): 100
/// tasks 0.3 s by list against 0.5 to 0.7 s by id, 1,000 tasks 1.5 to 2.3 s against 4.5 to 6.4 s, 10,000 tasks
/// 15 to 20 s against 49 to 92 s. The list wins from the smallest sizes there, but it carries every user task on
/// the server, managed or not, about 900 bytes each: the threshold keeps a small state on a tenant full of other
/// people's tasks on reads by id, where the list cannot save more than a second or two.
///
/// A list the client cannot take (over its answer size cap, not JSON, refused by the server, or not complete
/// within `listDeadline`) is not an error: the refresh reads every task by id instead, so its cost stays bounded
/// and it never fails for the list's sake. A server that cannot be reached at all then fails the reads by id.
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
        guard let listed = try await list(client, within: listDeadline(tasks: ids.count)) else {
            return try await client.getMany(ids, concurrency: concurrency)
        }
        var (found, unlisted) = split(ids, listed: listed)
        if !unlisted.isEmpty {
            for (id, task) in try await client.getMany(unlisted, concurrency: concurrency) { found[id] = task }
        }
        return found
    }

    /// How long the list may take before the refresh reads by id instead: about what reads by id cost in a
    /// release build (0.7 ms a task at parallelism 10), and never less than one request's default timeout.
    static func listDeadline(tasks: Int) -> Duration {
        max(.seconds(30), .milliseconds(tasks))
    }

    /// Every user task; nil when the list is to be given up for reads by id: it failed as `fallsBack` says, or took
    /// longer than `limit` (a server that answers slowly, or retries inside the client).
    static func list(_ client: BatchTaskClient, within limit: Duration) async throws(ClientError) -> [BatchTaskInfo]? {
        let outcome = await withTaskGroup(of: Result<[BatchTaskInfo], ClientError>?.self) { group in
            group.addTask {
                do throws(ClientError) {
                    return .success(try await client.list(state: .all))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success(let tasks): return tasks
        case .failure(let error) where !fallsBack(after: error): throw error
        case .failure, nil: return nil
        }
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

    /// A list that is too large, unreadable, refused or not answered in time is read by id instead; a failure
    /// that reads by id would meet as well (the sign-in refused, the tenant stopped, the client set up wrongly)
    /// ends the refresh as it is.
    static func fallsBack(after error: ClientError) -> Bool {
        error.isInvalidResponse || error.isTransport || (error.status != nil && !error.isAuthentication && !error.isTenantUnavailable)
    }
}
