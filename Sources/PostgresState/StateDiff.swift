import State

/// What a save writes: the entries, schedules and pending runs that differ between the state last read (or saved) and the one
/// being saved. A value computed without a database, so what a save sends can be tested on its own.
struct StateDiff: Sendable {
    /// An entry made or changed: its row, and the word the history keeps (`created` or `updated`).
    struct Upsert: Sendable, Hashable {
        var address: String
        var set: String
        var id: Int32
        var text: String
        var change: String
    }

    /// An entry that is gone, with the task id the history keeps.
    struct Removal: Sendable, Hashable {
        var address: String
        var set: String
        var id: Int32
    }

    /// A schedule row made or changed.
    struct ScheduleUpsert: Sendable, Hashable {
        var address: String
        var set: String
        var since: String
    }

    /// An address's pending runs made or changed: the row holds them all, as the state file's `pending` does.
    struct PendingUpsert: Sendable, Hashable {
        var address: String
        var set: String
        var runs: String
    }

    var upserts: [Upsert] = []
    var removals: [Removal] = []
    var scheduleUpserts: [ScheduleUpsert] = []
    /// The addresses whose schedule rows are gone.
    var scheduleRemovals: [String] = []
    var pendingUpserts: [PendingUpsert] = []
    /// The addresses that have no pending runs left.
    var pendingRemovals: [String] = []

    /// From the entries, schedules and pending runs last read to those of `state`.
    init(from entries: [String: StateEntry], scheduled: [String: String], pending: [String: [PendingRun]] = [:], to state: State) {
        for (address, entry) in state.tasks where entries[address] != entry {
            upserts.append(Upsert(address: address, set: StateAddress.setName(of: address), id: entry.id,
                                  text: String(decoding: entry.encoded(), as: UTF8.self),
                                  change: entries[address] == nil ? "created" : "updated"))
        }
        for (address, entry) in entries where state.tasks[address] == nil {
            removals.append(Removal(address: address, set: StateAddress.setName(of: address), id: entry.id))
        }
        for (address, since) in state.scheduled where scheduled[address] != since {
            scheduleUpserts.append(ScheduleUpsert(address: address, set: StateAddress.setName(of: address), since: since))
        }
        for address in scheduled.keys where state.scheduled[address] == nil { scheduleRemovals.append(address) }
        for (address, runs) in state.pending where pending[address] != runs {
            pendingUpserts.append(PendingUpsert(address: address, set: StateAddress.setName(of: address),
                                                runs: String(decoding: PendingRun.encoded(runs), as: UTF8.self)))
        }
        for address in pending.keys where state.pending[address] == nil { pendingRemovals.append(address) }
    }

    /// The task sets the diff writes to: their serials are checked and bumped, and the lock must cover them.
    var touchedSets: Set<String> {
        Set(upserts.map(\.set) + removals.map(\.set) + scheduleUpserts.map(\.set)
            + scheduleRemovals.map(StateAddress.setName(of:)) + pendingUpserts.map(\.set)
            + pendingRemovals.map(StateAddress.setName(of:)))
    }
}
