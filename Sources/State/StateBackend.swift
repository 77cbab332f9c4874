/// Where the state lives, behind the few operations the commands need, so a shared backend (PostgreSQL with
/// advisory locks) can sit beside the local file without the planner or executor knowing which one it is.
public protocol StateBackend: Sendable {
    /// Names the state in messages: `batchctl.state.json`.
    var description: String { get }
    /// nil when there is no state yet; a state that exists but cannot be read is an error, never nil.
    func load() throws(StateError) -> State?
    /// Bumps the serial, writes atomically and returns what was written; pass that (or what is derived from
    /// it) to the next save.
    func save(_ state: State) throws(StateError) -> State
    /// Takes the exclusive lock, waiting up to `timeout` for a holder to let go.
    func lock(operation: String, timeout: Duration) throws(StateError) -> StateLockHandle
    /// For commands that only read (plan): fails naming the holder while an exclusive lock is held.
    func checkUnlocked() throws(StateError)
    /// `batchctl state unlock LOCK_ID`: removes the lock only when `id` is its id.
    func unlock(id: String) throws(StateError)
    func openJournal() throws(StateError) -> JournalWriter
    /// A torn last line (a crash mid-write) is left out; any other malformed line is an error.
    func readJournal() throws(StateError) -> [JournalRecord]
    func removeJournal() throws(StateError)
}
