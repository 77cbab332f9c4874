/// How an action ended, with what the state needs to record it.
public enum JournalResult: Sendable, Hashable {
    case created(StateEntry)
    case updated(StateEntry)
    case deleted
    case moved(to: String)
    /// The message, for the end-of-run report; the state does not change.
    case failed(String)
}
