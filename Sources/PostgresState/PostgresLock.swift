import Foundation
import PostgresNIO
import State
import Synchronization

/// A lock on task sets of one workspace: a leased row per set (or one `*` row for all of them), renewed by a task of
/// its own while the run lives. A run that dies stops renewing, and its lease runs out; a run that died on this host
/// is taken over at once, as with the lock file.
final class PostgresLock: StateLock {
    let info: LockInfo
    let replacedStale: LockInfo?
    /// nil: the whole workspace.
    let sets: Set<String>?
    /// Rows this lock holds.
    let rowCount: Int
    private let backend: PostgresStateBackend
    private let renewal = Mutex<Task<Void, Never>?>(nil)
    private let released = Mutex(false)

    /// The row that stands for every set.
    static let everySet = "*"

    init(info: LockInfo, replacedStale: LockInfo?, sets: Set<String>?, backend: PostgresStateBackend) {
        self.info = info
        self.replacedStale = replacedStale
        self.sets = sets
        rowCount = sets?.count ?? 1
        self.backend = backend
        HeldLocks.add(self)
    }

    /// Renews the lease every third of its length until released.
    func startRenewing() {
        // A save checks that the lease is live.
        let task = backend.renewing(every: backend.lease / 3) { [backend, info] in _ = try? await backend.renew(lockID: info.id) }
        renewal.withLock { $0 = task }
    }

    func release() async {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        renewal.withLock { $0 }?.cancel()
        await backend.release(lockID: info.id)
        HeldLocks.remove(self)
    }
}

extension PostgresStateBackend {
    public func lock(sets: [String]?, operation: String, timeout: Duration) async throws(StateError) -> any StateLock {
        try await prepared()
        let wanted = sets.map { Set($0) }
        var info = LockInfo.current(operation: operation)
        let deadline = ContinuousClock.now + timeout
        while true {
            info.created = Timestamp.now()
            let attempt = try await attemptLock(info: info, sets: wanted)
            switch attempt {
            case .taken(let stale):
                let lock = PostgresLock(info: info, replacedStale: stale, sets: wanted, backend: self)
                held.withLock { $0 = lock }
                lock.startRenewing()
                return lock
            case .busy(let holder, let set):
                if ContinuousClock.now + Self.lockPollInterval > deadline {
                    throw lockedError(holder: holder, set: set, waited: timeout > .zero ? timeout : nil)
                }
                do {
                    try await Task.sleep(for: Self.lockPollInterval)
                } catch {
                    throw StateError.locked("cancelled while waiting for the lock on \(description)")
                }
            }
        }
    }

    private enum Attempt: Sendable {
        case taken(replacedStale: LockInfo?)
        case busy(LockInfo, set: String)
    }

    /// One try, in one transaction under the workspace's transaction-scoped advisory lock: drop leases that ran out
    /// and locks of runs that died on this host, then take every wanted row or none.
    private func attemptLock(info: LockInfo, sets: Set<String>?) async throws(StateError) -> Attempt {
        let workspace = self.workspace
        let schema = location.schema
        let place = description
        let rows = sets.map { Array($0).sorted() } ?? [PostgresLock.everySet]
        let leaseSeconds = self.leaseSeconds
        let holderText = String(decoding: info.encoded(), as: UTF8.self)
        return try await transaction("take the lock") { connection in
            let key = "batchctl lock \(schema) \(workspace)"
            try await connection.takeTurns(key)
            var stale: LockInfo?
            for try await text in try await connection.run(
                "DELETE FROM \(unescaped: schema).locks WHERE workspace = \(workspace) AND expires_at <= now() RETURNING holder"
            ).decode(String.self) {
                stale = try? LockInfo.decode(Array(text.utf8), place: place)
            }
            var holders: [(String, String, LockInfo)] = []
            for try await (set, id, text) in try await connection.run(
                "SELECT task_set, lock_id, holder FROM \(unescaped: schema).locks WHERE workspace = \(workspace) ORDER BY task_set"
            ).decode((String, String, String).self) {
                let holder = try LockInfo.decode(Array(text.utf8), place: "\(place): the lock of \(set)")
                holders.append((set, id, holder))
            }
            let conflicting = holders.filter { set, _, _ in
                sets == nil || set == PostgresLock.everySet || sets?.contains(set) == true
            }
            for (_, id, holder) in conflicting where holder.isStale {
                // A run killed on this host cannot release its lock; the next run takes it over, and says so.
                try await connection.run("DELETE FROM \(unescaped: schema).locks WHERE lock_id = \(id)")
                stale = holder
            }
            if let (set, _, holder) = conflicting.first(where: { !$0.2.isStale }) {
                return .busy(holder, set: set)
            }
            try await connection.run("""
                INSERT INTO \(unescaped: schema).locks (workspace, task_set, lock_id, holder, expires_at)
                SELECT \(workspace), unnest(\(rows)::text[]), \(info.id), \(holderText), now() + make_interval(secs => \(leaseSeconds))
                """)
            return .taken(replacedStale: stale)
        }
    }

    private func lockedError(holder: LockInfo, set: String, waited: Duration?) -> StateError {
        let what = set == PostgresLock.everySet ? "every task set" : "the task set \(set)"
        let message = holder.heldMessage(statePath: "\(description) (\(what))", waited: waited)
        return StateError.locked(message, holder: holder)
    }

    public func checkUnlocked(sets: [String]?) async throws(StateError) {
        let workspace = self.workspace
        let schema = location.schema
        let place = description
        let holders: [(String, LockInfo)] = try await transaction("read the locks") { connection in
            var holders: [(String, LockInfo)] = []
            for try await (set, text) in try await connection.run(
                "SELECT task_set, holder FROM \(unescaped: schema).locks WHERE workspace = \(workspace) AND expires_at > now() ORDER BY task_set"
            ).decode((String, String).self) {
                holders.append((set, try LockInfo.decode(Array(text.utf8), place: "\(place): the lock of \(set)")))
            }
            return holders
        }
        let wanted = sets.map { Set($0) }
        if let (set, holder) = holders.first(where: { set, _ in wanted == nil || set == PostgresLock.everySet || wanted?.contains(set) == true }) {
            throw lockedError(holder: holder, set: set, waited: nil)
        }
    }

    public func unlock(id: String) async throws(StateError) {
        let workspace = self.workspace
        let schema = location.schema
        let place = description
        let outcome: (removed: Int, holders: [LockInfo]) = try await transaction("remove the lock") { connection in
            var removed = 0
            for try await _ in try await connection.run(
                "DELETE FROM \(unescaped: schema).locks WHERE workspace = \(workspace) AND lock_id = \(id) RETURNING task_set"
            ).decode(String.self) {
                removed += 1
            }
            var holders: [LockInfo] = []
            if removed == 0 {
                for try await text in try await connection.run(
                    "SELECT DISTINCT holder FROM \(unescaped: schema).locks WHERE workspace = \(workspace)"
                ).decode(String.self) {
                    holders.append(try LockInfo.decode(Array(text.utf8), place: place))
                }
            }
            return (removed, holders)
        }
        guard outcome.removed == 0 else { return }
        guard let holder = outcome.holders.first else { throw StateError.notLocked("\(place) is not locked") }
        throw StateError.lockMismatch(
            "lock id \(id) is not a lock on \(place): \(holder.id) is, held by \(holder.user) on \(holder.host) (pid \(holder.pid), \(holder.operation)) since \(holder.created)",
            holder: holder)
    }

    /// Pushes the lease of `lockID` forward; false when its rows are gone.
    func renew(lockID: String) async throws(StateError) -> Bool {
        let schema = location.schema
        let leaseSeconds = self.leaseSeconds
        return try await transaction("renew the lock") { connection in
            var renewed = 0
            for try await _ in try await connection.run("""
                UPDATE \(unescaped: schema).locks SET expires_at = now() + make_interval(secs => \(leaseSeconds))
                WHERE lock_id = \(lockID) RETURNING task_set
                """).decode(String.self) {
                renewed += 1
            }
            return renewed > 0
        }
    }

    func release(lockID: String) async {
        let schema = location.schema
        _ = try? await transaction("release the lock") { connection in
            try await connection.run("DELETE FROM \(unescaped: schema).locks WHERE lock_id = \(lockID)")
            return 0
        }
        held.withLock { if $0?.info.id == lockID { $0 = nil } }
    }
}
