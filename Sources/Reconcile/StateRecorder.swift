import DesiredTasks
import Foundation
import JSON
import Planning
import State

/// Owns the state during a run: every change goes to the journal before it is made, and into the state after.
///
/// An actor, so the executor's concurrent actions record their outcomes one at a time. The state file is rewritten
/// from memory at checkpoints and at the end; the journal is what makes a kill between checkpoints lose nothing.
public actor StateRecorder {
    public private(set) var state: State
    private let backend: any StateBackend
    private let journal: any StateJournal
    private var sequence = 0
    /// A record could not be written; the journal must outlive this run.
    private var journalFailed = false
    private let lock: any StateLock
    /// How often a long run rewrites the state file.
    public nonisolated let checkpointInterval: Duration
    /// How the entries it records hash secrets.
    public nonisolated let secrets: SecretHasher

    public init(state: State, backend: any StateBackend, journal: any StateJournal, lock: any StateLock, secrets: SecretHasher,
                checkpointInterval: Duration = .seconds(10)) {
        self.state = state
        self.secrets = secrets
        self.backend = backend
        self.journal = journal
        self.lock = lock
        self.checkpointInterval = checkpointInterval
        // A journal left by a killed run keeps its numbers; new records follow them.
        self.sequence = journal.existingHighestSequence
    }

    /// Writes the intent of an action before its request goes out; returns its sequence number. A run names its slot
    /// and attempt, so that recovery records a run it adopts as that run. `at`: when it was written (now).
    public func intent(_ action: JournalAction, address: String, id: Int32?, fingerprint: String?, slot: String? = nil,
                       attempt: Int = 1, at: String = Timestamp.now()) async throws(StateError) -> Int {
        sequence += 1
        let sequence = self.sequence
        do {
            try await journal.append(.intent(sequence: sequence, action: action, address: address, id: id, fingerprint: fingerprint,
                                             at: at, slot: slot, attempt: attempt))
        } catch {
            journalFailed = true
            throw error
        }
        return sequence
    }

    /// Records an outcome in the journal, then in the state.
    ///
    /// When the journal cannot take the outcome (its disk or database went away), the state still records it, so a
    /// save at the end keeps what the server answered; the journal then stays for the next run to check.
    public func outcome(_ sequence: Int, address: String, _ result: JournalResult) async throws(StateError) {
        do {
            try await journal.append(.outcome(sequence: sequence, address: address, result: result))
        } catch {
            journalFailed = true
            state.record(result, at: address)
            throw error
        }
        state.record(result, at: address)
    }

    /// Records the outcome of a run: the new run `entry` becomes the current one, and the run it follows (whatever
    /// the state holds at `address` now) joins the history.
    public func ran(_ sequence: Int, address: String, _ entry: StateEntry) async throws(StateError) {
        let full = state.tasks[address].map { $0.startingRun(entry) } ?? entry
        try await outcome(sequence, address: address, .created(full))
    }

    /// Records how the current run of `address` ended (`RunLife`): journaled as an update of the entry, so a kill
    /// before it only means the next look settles the run again. Nothing is recorded when the current run is
    /// another one by now.
    public func settled(_ entry: StateEntry, address: String) async throws(StateError) {
        guard state.tasks[address]?.id == entry.id else { return }
        let sequence = try await intent(.update, address: address, id: entry.id, fingerprint: nil)
        try await outcome(sequence, address: address, .updated(entry))
    }

    /// Records the pending runs of `address` (none: it has none left), journaled; `passed` is a slot done with
    /// without a run (a pending run skipped or dropped).
    public func pend(_ address: String, runs: [PendingRun], passed: String? = nil) async throws(StateError) {
        let sequence = try await intent(.pend, address: address, id: state.tasks[address]?.id, fingerprint: nil)
        try await outcome(sequence, address: address, .pending(runs, passed: passed))
    }

    /// The pending runs of `address`, oldest first.
    public func pending(_ address: String) -> [PendingRun] {
        state.pending[address] ?? []
    }

    /// Records that the history runs `ids` of `address` are gone from the server; the sequences are those of
    /// their `delete-run` intents.
    public func removedRuns(_ sequences: [Int], address: String, ids: Set<Int32>) async throws(StateError) {
        guard var entry = state.tasks[address] else { return }
        entry.history.removeAll { ids.contains($0.id) }
        for sequence in sequences { try await outcome(sequence, address: address, .updated(entry)) }
    }

    /// Records a task the API already held as the entry at `address` (`Import.entry`): an `import` intent, then its
    /// outcome. Nothing is sent between them, so a run killed there leaves an intent the next plan imports again.
    public func imported(_ entry: StateEntry, address: String) async throws(StateError) {
        let sequence = try await intent(.import, address: address, id: entry.id, fingerprint: nil)
        try await outcome(sequence, address: address, .created(entry))
    }

    /// Notes the State a run was last seen in. Not journaled: it is a reading, not a change, and the next look
    /// reads it again.
    public func noteState(_ state: String, id: Int32, address: String) {
        guard var entry = self.state.tasks[address] else { return }
        if entry.id == id {
            entry.lastState = state
        } else if let index = entry.history.firstIndex(where: { $0.id == id }) {
            entry.history[index].state = state
        } else {
            return
        }
        self.state.tasks[address] = entry
    }

    /// Registers a scheduled task that has not run yet: its first slot is counted from `since`. Not journaled: a
    /// lost registration is made again by the next plan, a little later.
    public func schedule(_ address: String, since: String) {
        guard state.tasks[address] == nil, state.scheduled[address] == nil else { return }
        state.scheduled[address] = since
    }

    /// Forgets a scheduled task that never ran (it left the manifests, or was destroyed).
    public func unschedule(_ address: String) {
        state.scheduled[address] = nil
    }

    /// Ids the state owns: a task with one of these is never adopted by recovery.
    public func ownedIds() -> Set<Int32> {
        state.ownedIds
    }

    public func entry(_ address: String) -> StateEntry? {
        state.tasks[address]
    }

    /// Rewrites the state file now. The journal stays until `finish()`: replaying it over a newer state is harmless.
    public func checkpoint() async throws(StateError) {
        try await journal.sync()
        try await save()
    }

    /// Saves the state and takes the serial and lineage the backend gave it. Outcomes recorded while the save is
    /// under way stay in `state`; they are in the journal already.
    private func save() async throws(StateError) {
        let saved = try await backend.save(state)
        state.serial = saved.serial
        state.lineage = saved.lineage
    }

    /// Writes the final state and removes the journal: the run is complete. After a journal write failed, the
    /// journal is kept: it may hold an intent whose request went out, which the next run looks up before sending.
    public func finish() async throws(StateError) -> State {
        if journalFailed {
            try? await journal.sync()
            try await save()
            try? await journal.close()
            return state
        }
        do throws(StateError) {
            try await journal.sync()
        } catch {
            // An outcome may return before it is durable (the PostgreSQL journal commits it with the next batch),
            // so a journal can fail here first: the state still keeps what the server answered, the journal stays
            // for the next run, and the failure is told.
            journalFailed = true
            try await save()
            try? await journal.close()
            throw error
        }
        try await save()
        try await journal.close()
        try await backend.removeJournal(for: lock)
        return state
    }
}

extension DesiredTask {
    /// The state entry for this task once the server holds it as `id`, secrets hashed by `secrets`.
    public func stateEntry(id: Int32, secrets: SecretHasher) -> StateEntry {
        stateEntry(id: id, record: record(secrets))
    }

    /// With the task's `record`, made once for all the attempts of an action.
    func stateEntry(id: Int32, record: TaskRecord, slot: String? = nil, attempt: Int = 1) -> StateEntry {
        var entry = StateEntry(id: id, fingerprint: record.fingerprint, appliedText: record.text, appliedAt: Timestamp.now(),
                               source: source.description)
        entry.slot = slot
        entry.attempt = attempt
        return entry
    }
}
