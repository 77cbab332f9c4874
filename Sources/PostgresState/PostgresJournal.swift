import PostgresNIO
import State
import Synchronization

/// A run's journal as rows, written by one statement per batch: appends made while a batch is being written go
/// together in the next one (group commit), so many requests in flight cost one round trip per batch, not one each.
///
/// Batches are written one after the other, so what is committed is always a prefix of what was appended: a record
/// is never durable while one appended before it is not, and replay (in row order) sees each address's records in
/// the order they were made. An intent returns once it is committed, before its request goes out. An outcome returns
/// at once and rides with the next batch, as the file journal's outcomes wait for the next fsync: a kill may lose the
/// last outcomes, whose intents recovery then resolves against the API. The outcome of a `pend`, which no request
/// follows and recovery cannot look up, is committed before it returns. `sync()` and `close()` wait for everything.
final class PostgresJournal: StateJournal {
    let existingHighestSequence = 0
    private let backend: PostgresStateBackend
    private let runID: String
    private let queue = Mutex(Queue())

    private struct Queue {
        var pending: [(set: String, text: String)] = []
        /// Records appended, and of them committed: the queue's positions.
        var appended = 0
        var committed = 0
        /// Who waits for the records up to a position to be committed.
        var waiters: [(position: Int, done: CheckedContinuation<Void, any Error>)] = []
        var writing = false
        var closed = false
        /// A batch that could not be written: nothing after it may be, or replay would see a gap.
        var failure: StateError?
    }

    init(backend: PostgresStateBackend, runID: String) {
        self.backend = backend
        self.runID = runID
    }

    func append(_ record: JournalRecord) async throws(StateError) {
        let text = String(decoding: record.encoded(), as: UTF8.self)
        let set = StateAddress.setName(of: StateAddress.parseDeposed(record.address)?.address ?? record.address)
        let enqueued = queue.withLock { queue -> Result<(position: Int, startWriting: Bool), StateError> in
            if let failure = queue.failure { return .failure(failure) }
            guard !queue.closed else { return .failure(StateError.journalClosed("the journal of run \(runID) is closed")) }
            queue.pending.append((set, text))
            queue.appended += 1
            let startWriting = !queue.writing
            queue.writing = true
            return .success((queue.appended, startWriting))
        }
        let (position, startWriting) = try enqueued.get()
        if startWriting { Task { await self.write() } }
        guard Self.waitsForCommit(record) else { return }
        try await committed(through: position)
    }

    /// An intent must be durable before its request goes out; a `pend` is a decision no request records elsewhere.
    static func waitsForCommit(_ record: JournalRecord) -> Bool {
        switch record {
        case .intent: return true
        case .outcome(_, _, .pending): return true
        case .outcome: return false
        }
    }

    /// Returns once every record up to `position` is committed, or throws why it cannot be.
    private func committed(through position: Int) async throws(StateError) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = queue.withLock { queue -> Result<Void, StateError>? in
                    if queue.committed >= position { return .success(()) }
                    if let failure = queue.failure { return .failure(failure) }
                    queue.waiters.append((position, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw backend.describe(error, doing: "write the journal")
        }
    }

    /// Writes what is pending, batch after batch, until nothing is.
    private func write() async {
        while true {
            let batch = queue.withLock { queue -> (records: [(set: String, text: String)], through: Int) in
                let batch = queue.pending
                queue.pending = []
                if batch.isEmpty { queue.writing = false }
                return (batch, queue.appended)
            }
            guard !batch.records.isEmpty else { return }
            let failure: StateError?
            do throws(StateError) {
                try await insert(batch.records)
                failure = nil
            } catch {
                failure = error
            }
            let (ready, stop) = queue.withLock { queue -> ([(position: Int, done: CheckedContinuation<Void, any Error>)], Bool) in
                if let failure {
                    queue.failure = failure
                    queue.pending = []
                    queue.writing = false
                } else {
                    queue.committed = batch.through
                }
                let ready = queue.waiters.filter { failure != nil || $0.position <= queue.committed }
                queue.waiters.removeAll { failure != nil || $0.position <= queue.committed }
                return (ready, failure != nil)
            }
            for waiter in ready {
                if let failure { waiter.done.resume(throwing: failure) } else { waiter.done.resume() }
            }
            if stop { return }
        }
    }

    /// One statement, committed on its own: the batch is whole or absent.
    private func insert(_ records: [(set: String, text: String)]) async throws(StateError) {
        let schema = backend.location.schema
        let workspace = backend.workspace
        let runID = self.runID
        let sets = records.map(\.set), texts = records.map(\.text)
        try await backend.statement("write the journal") { connection in
            try await connection.run("""
                INSERT INTO \(unescaped: schema).journal (workspace, run_id, task_set, record)
                SELECT \(workspace), \(runID), s, r FROM unnest(\(sets)::text[], \(texts)::text[]) WITH ORDINALITY AS t(s, r, n)
                ORDER BY n
                """)
        }
    }

    /// Waits until everything appended so far is committed.
    func sync() async throws(StateError) {
        let position = queue.withLock { $0.appended }
        try await committed(through: position)
    }

    func close() async throws(StateError) {
        let position = queue.withLock { queue -> Int? in
            guard !queue.closed else { return nil }
            queue.closed = true
            return queue.appended
        }
        guard let position else { return }
        try await committed(through: position)
    }
}
