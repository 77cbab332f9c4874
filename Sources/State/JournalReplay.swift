/// Folds journal records into a state: outcomes become entries, and intents left without one are returned.
public enum JournalReplay {
    /// Applies the outcomes in journal order and returns the intents without an outcome, by sequence.
    ///
    /// An outcome answers the intent with its sequence and address: the address too, so that a journal in
    /// which a caller reused sequence numbers (`JournalWriter` refuses that for new intents) cannot pass an
    /// unanswered create off as answered by another task's outcome.
    ///
    /// Replaying is idempotent: each outcome sets an absolute value (an entry, or its absence), so a journal
    /// replayed onto a state that was saved partway through the run gives the same state as replaying it
    /// onto the state from before the run. A `moved` whose source is already gone is a no-op for that reason.
    /// `serial` is not changed: the save that follows bumps it.
    public static func apply(_ records: [JournalRecord], to state: inout State) -> [UnresolvedIntent] {
        var pending: [Key: UnresolvedIntent] = [:]
        for record in records {
            switch record {
            case .intent(let sequence, let action, let address, let id, let fingerprint, let at, let slot, let attempt):
                var intent = UnresolvedIntent(sequence: sequence, action: action, address: address, id: id, fingerprint: fingerprint, at: at)
                intent.slot = slot
                intent.attempt = attempt
                pending[Key(sequence: sequence, address: address)] = intent
            case .outcome(let sequence, let address, let result):
                pending[Key(sequence: sequence, address: address)] = nil
                state.record(result, at: address)
            }
        }
        return pending.values.sorted { ($0.sequence, $0.address) < ($1.sequence, $1.address) }
    }

    private struct Key: Hashable {
        var sequence: Int
        var address: String
    }
}

extension State {
    /// Applies one outcome to the state: the same fold for a live run and for a replayed journal.
    public mutating func record(_ result: JournalResult, at address: String) {
        switch result {
        case .created(let entry):
            // A run for a slot older than one the schedule is done with (a backfill by hand) does not take its
            // schedule back: `scheduled` keeps the latest slot the runs before it had.
            let done = ([scheduled[address]] + (tasks[address].map { [$0.slot ?? $0.appliedAt] + $0.history.map(\.slot) } ?? []))
                .compactMap { $0 }.max()
            tasks[address] = entry
            let older = entry.slot.flatMap { slot in done.map { slot < $0 } } == true
            if scheduled[address] != (older ? done : nil) { scheduled[address] = older ? done : nil }
            // The run that started is no longer pending: the one for its slot, or (not for a slot) the first.
            if var runs = pending[address], let index = runs.firstIndex(where: { $0.slot == entry.slot }) {
                runs.remove(at: index)
                pending[address] = runs.isEmpty ? nil : runs
            }
        case .updated(let entry):
            // A task the state had no entry for (an import) has run; for one it had, `scheduled` holds the slot
            // its runs were passed to without a run (`pending`'s `passed`), which an update leaves as it is.
            if tasks.updateValue(entry, forKey: address) == nil, scheduled[address] != nil { scheduled[address] = nil }
        case .pending(let runs, let passed):
            pending[address] = runs.isEmpty ? nil : runs
            if let passed, tasks[address] == nil || tasks[address]?.slot.map({ $0 < passed }) == true {
                scheduled[address] = max(scheduled[address] ?? passed, passed)
            }
        case .deleted:
            tasks[address] = nil
        case .moved(let destination):
            if let entry = tasks.removeValue(forKey: address) { tasks[destination] = entry }
        case .failed:
            break
        }
    }
}
