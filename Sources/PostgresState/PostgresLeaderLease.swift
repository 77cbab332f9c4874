import PostgresNIO
import State
import Synchronization

/// The lease of the controller that leads a workspace: one row of `leaders`, taken when free or run out, renewed by
/// its holder every cycle and every third of its length between cycles. A holder that died on this host is taken
/// over at once, as a lock is; one that died elsewhere, when its lease runs out.
public final class PostgresLeaderLease: LeaderLease {
    private let backend: PostgresStateBackend
    private let holder: LockInfo
    private let seconds: Double
    private let renewal = Mutex<Task<Void, Never>?>(nil)
    private let resigned = Mutex(false)

    public var allowsReplicas: Bool { true }

    /// `duration`: how long the lease lasts without a renewal.
    public init(backend: PostgresStateBackend, holder: LockInfo, duration: Duration) {
        self.backend = backend
        self.holder = holder
        seconds = duration.seconds
        startRenewing(every: duration / 3)
    }

    public func acquire() async throws(StateError) -> LeaseStanding {
        try await backend.prepared()
        let schema = backend.location.schema
        let workspace = backend.workspace
        let place = backend.description
        let holderText = String(decoding: holder.encoded(), as: UTF8.self)
        let id = holder.id
        let seconds = self.seconds
        return try await backend.transaction("take the controller lease") { connection in
            let key = "batchctl leader \(schema) \(workspace)"
            try await connection.takeTurns(key)
            var current: (id: String, holder: LockInfo, live: Bool)?
            for try await (leaseID, text, live) in try await connection.run(
                "SELECT lease_id, holder, expires_at > now() FROM \(unescaped: schema).leaders WHERE workspace = \(workspace)"
            ).decode((String, String, Bool).self) {
                current = (leaseID, try LockInfo.decode(Array(text.utf8), place: "\(place): the controller lease"), live)
            }
            var tookOver: LockInfo?
            if let current, current.id != id {
                if current.live && !current.holder.isStale { return .following(current.holder) }
                tookOver = current.holder
            }
            try await connection.run("""
                INSERT INTO \(unescaped: schema).leaders (workspace, lease_id, holder, expires_at)
                VALUES (\(workspace), \(id), \(holderText), now() + make_interval(secs => \(seconds)))
                ON CONFLICT (workspace) DO UPDATE SET lease_id = EXCLUDED.lease_id, holder = EXCLUDED.holder,
                    expires_at = EXCLUDED.expires_at
                """)
            return .leading(tookOver: tookOver)
        }
    }

    public func resign() async {
        let first = resigned.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        renewal.withLock { $0 }?.cancel()
        let schema = backend.location.schema
        let workspace = backend.workspace
        let id = holder.id
        _ = try? await backend.transaction("give up the controller lease") { connection in
            try await connection.run("DELETE FROM \(unescaped: schema).leaders WHERE workspace = \(workspace) AND lease_id = \(id)")
            return 0
        }
    }

    /// Between cycles (which may be longer than the lease), the held lease is pushed forward; nothing is taken here.
    private func startRenewing(every interval: Duration) {
        let task = backend.renewing(every: interval) { [backend, holder, seconds] in
            let schema = backend.location.schema
            let id = holder.id
            _ = try? await backend.transaction("renew the controller lease") { connection in
                try await connection.run("""
                    UPDATE \(unescaped: schema).leaders SET expires_at = now() + make_interval(secs => \(seconds))
                    WHERE lease_id = \(id) AND expires_at > now()
                    """)
                return 0
            }
        }
        renewal.withLock { $0 = task }
    }
}

extension PostgresStateBackend {
    /// Several controllers share a PostgreSQL state: the one whose lease row is live leads.
    public func leaderLease(holder: LockInfo, duration: Duration) -> (any LeaderLease)? {
        PostgresLeaderLease(backend: self, holder: holder, duration: duration)
    }
}
