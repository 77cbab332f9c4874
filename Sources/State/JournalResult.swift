/// How an action ended, with what the state needs to record it.
public enum JournalResult: Sendable, Hashable {
    case created(StateEntry)
    case updated(StateEntry)
    case deleted
    case moved(to: String)
    /// The message, for the end-of-run report; the state does not change.
    case failed(String)
    /// The task's pending runs are now `runs` (none: the address has none). `passed`: a slot that is done with
    /// without a run (skipped or dropped), so the schedule counts the next slot from it.
    case pending([PendingRun], passed: String?)
}
