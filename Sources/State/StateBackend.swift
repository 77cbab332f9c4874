/// Where the state lives, behind the few operations the commands need, so that a shared backend (PostgreSQL) sits
/// beside the local file without the planner or executor knowing which one it is.
///
/// Locks are per task set where the backend can tell sets apart (PostgreSQL); the file has one lock for all.
public protocol StateBackend: Sendable {
    /// Names the state in messages: `batchctl.state.json`, or a URL without its password.
    var description: String { get }
    /// nil when there is no state yet; a state that exists but cannot be read is an error, never nil.
    func load() async throws(StateError) -> State?
    /// Bumps the serial, writes atomically and returns what was written; pass that (or what is derived from
    /// it) to the next save. A backend with per-set locks writes only the entries of the sets it holds, and
    /// refuses a save that changed another set's entries.
    func save(_ state: State) async throws(StateError) -> State
    /// Takes the exclusive lock of these task sets (nil: of the whole state), waiting up to `timeout` for holders
    /// to let go.
    func lock(sets: [String]?, operation: String, timeout: Duration) async throws(StateError) -> any StateLock
    /// For commands that only read (plan): fails naming the holder while one of these sets (nil: any) is locked.
    func checkUnlocked(sets: [String]?) async throws(StateError)
    /// `batchctl state unlock LOCK_ID`: removes the lock only when `id` is its id.
    func unlock(id: String) async throws(StateError)
    /// The journal of the run that holds `lock`.
    func openJournal(for lock: any StateLock) async throws(StateError) -> any StateJournal
    /// What interrupted runs left: with `lock`, of the sets it holds; without, of every set. A torn last record (a
    /// crash mid-write) is left out; any other malformed record is an error.
    func readJournal(for lock: (any StateLock)?) async throws(StateError) -> [JournalRecord]
    /// Removes the journal of `lock`'s run, and what `readJournal(for:)` returned to it: all of it is in the state now.
    func removeJournal(for lock: any StateLock) async throws(StateError)
    /// Writes `state` as it is (lineage, serial, entries) where there is no state yet: `batchctl state migrate`.
    /// A location that holds a state is refused and left as it is.
    func copyIn(_ state: State) async throws(StateError)
    /// The key the state's secrets are hashed with (`SecretKey`), nil when none was made yet; with `create`, made
    /// now when missing. Kept apart from the state: a 0600 file beside it, or a row of the database.
    func secretKey(create: Bool) async throws(StateError) -> [UInt8]?
    /// `batchctl state migrate`: stores the key where there is none; the same key is no change, another is refused.
    func copyInSecretKey(_ key: [UInt8]) async throws(StateError)
    /// The lease that decides which of this state's controllers leads, held as `holder`; nil when no controller can
    /// run on this backend. `duration`: how long a lease lasts unrenewed, where leases run out.
    func leaderLease(holder: LockInfo, duration: Duration) -> (any LeaderLease)?
    /// Lets go of connections and locks; the backend is not used afterwards.
    func close() async
}

extension StateLock {
    public var sets: Set<String>? { nil }
}

extension StateBackend {
    public func close() async {}
    public func leaderLease(holder: LockInfo, duration: Duration) -> (any LeaderLease)? { nil }
}

/// A held state lock. Not released on deinit: dropping the handle by mistake must not unlock a running apply.
public protocol StateLock: Sendable {
    var info: LockInfo { get }
    /// The lock of a run that died, which this one took over.
    var replacedStale: LockInfo? { get }
    /// The task sets it holds; nil: the whole state (the file's one lock, or a lock of every set).
    var sets: Set<String>? { get }
    /// Lets go, once; later calls do nothing.
    func release() async
}

/// Where a run writes its intents and outcomes: before each request, and after its answer.
public protocol StateJournal: Sendable {
    /// The highest sequence already in the journal when it was opened (0 for a new one); new intents follow it.
    var existingHighestSequence: Int { get }
    /// An intent survives a kill of this process once this returns. An outcome may be held until a later append
    /// or `sync()` writes it (as a machine crash may lose the file's last outcomes): recovery resolves an intent
    /// left without one against the API.
    func append(_ record: JournalRecord) async throws(StateError)
    /// Everything appended before the call survives a machine crash once this returns.
    func sync() async throws(StateError)
    /// Syncs the rest and closes; later calls do nothing.
    func close() async throws(StateError)
}
