import APIClient
import ArgumentParser
import Manifest
import Reconcile
import State

/// The state for one command: loaded, checked against the endpoint, and (for writers) locked and recovered.
struct StateSession: Sendable {
    let backend: LocalStateBackend
    let endpoint: String
    let lock: StateLockHandle?
    var state: State
    /// False when there was no state file yet (the state is new and empty).
    var existed: Bool

    /// The state as a plan records it: nil before the first apply, so a saved plan can tell.
    var planningState: State? { existed || !state.tasks.isEmpty ? state : nil }

    /// Loads the state for reading: refuses a state bound to another endpoint; replays a leftover journal in memory.
    static func read(backend: LocalStateBackend, endpoint: String) throws -> StateSession {
        try backend.checkUnlocked()
        var (state, existed) = try loadOrCreate(backend: backend, endpoint: endpoint)
        let records = try backend.readJournal()
        if !records.isEmpty {
            let unresolved = JournalReplay.apply(records, to: &state)
            Terminal.err("warning: an interrupted run left \(backend.description).journal; it is replayed here\(unresolved.isEmpty ? "" : ", and the next apply checks its \(unresolved.count) unanswered request\(unresolved.count == 1 ? "" : "s") against the API")\n")
        }
        return StateSession(backend: backend, endpoint: endpoint, lock: nil, state: state, existed: existed)
    }

    /// Locks the state for writing, then replays a leftover journal and resolves its unanswered requests against
    /// the API before anything new is sent.
    static func write(backend: LocalStateBackend, endpoint: String, operation: String, wait: Duration,
                      client: BatchTaskClient?, desired: [String: DesiredTask]) async throws -> StateSession {
        let lock = try backend.lock(operation: operation, timeout: wait)
        if let stale = lock.replacedStale {
            Terminal.err("note: took over the lock of a run that no longer exists (pid \(stale.pid) on \(stale.host), \(stale.operation) since \(stale.created))\n")
        }
        do {
            var (state, existed) = try loadOrCreate(backend: backend, endpoint: endpoint)
            let records = try backend.readJournal()
            if !records.isEmpty {
                existed = true
                let unresolved = JournalReplay.apply(records, to: &state)
                let recorder = StateRecorder(state: state, backend: backend, journal: try backend.openJournal())
                if let client, !unresolved.isEmpty {
                    let notes = try await Recovery.resolve(unresolved, desired: desired, recorder: recorder, client: client)
                    for note in notes { Terminal.err("note: \(note)\n") }
                }
                state = try await recorder.finish()
                Terminal.err("note: recovered the interrupted run's journal (\(records.count) records) into \(backend.description)\n")
            }
            return StateSession(backend: backend, endpoint: endpoint, lock: lock, state: state, existed: existed)
        } catch {
            lock.release()
            throw error
        }
    }

    private static func loadOrCreate(backend: LocalStateBackend, endpoint: String) throws -> (State, existed: Bool) {
        guard let state = try backend.load() else { return (State.new(endpoint: endpoint), false) }
        guard state.endpoint == endpoint else {
            throw CommandFailure("\(backend.description) belongs to endpoint \(state.endpoint), not \(endpoint); use that endpoint, or another --state file for this one")
        }
        return (state, true)
    }

    func release() {
        lock?.release()
    }
}
