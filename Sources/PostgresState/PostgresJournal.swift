import PostgresNIO
import State
import Synchronization

/// A run's journal as rows: each append is committed before it returns, and appends made while commits are under
/// way go together in the next one (group commit), so many requests in flight cost one round trip per batch, not
/// one each. A few batches are committed at once, on connections of their own, so a batch never waits for the
/// one before it; the records of one action are never in two batches at once, since each waits for the last.
final class PostgresJournal: StateJournal {
    let existingHighestSequence = 0
    private let backend: PostgresStateBackend
    private let runID: String
    private let queue = Mutex(Queue())
    /// Batches committed at once.
    static let concurrentCommits = 4

    private struct Queue {
        var pending: [(set: String, text: String, done: CheckedContinuation<Void, any Error>)] = []
        var flushing = 0
        var closed = false
    }

    init(backend: PostgresStateBackend, runID: String) {
        self.backend = backend
        self.runID = runID
    }

    func append(_ record: JournalRecord) async throws(StateError) {
        let text = String(decoding: record.encoded(), as: UTF8.self)
        let set = StateAddress.setName(of: StateAddress.parseDeposed(record.address)?.address ?? record.address)
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let startFlush = queue.withLock { queue -> Bool in
                    guard !queue.closed else {
                        continuation.resume(throwing: StateError.journalClosed("the journal of run \(runID) is closed"))
                        return false
                    }
                    queue.pending.append((set, text, continuation))
                    guard queue.flushing < Self.concurrentCommits else { return false }
                    queue.flushing += 1
                    return true
                }
                if startFlush { Task { await self.flush() } }
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw backend.describe(error, doing: "write the journal")
        }
    }

    /// Commits what is pending, batch after batch, until nothing is.
    private func flush() async {
        while true {
            let batch = queue.withLock { queue -> [(set: String, text: String, done: CheckedContinuation<Void, any Error>)] in
                let batch = queue.pending
                queue.pending = []
                if batch.isEmpty { queue.flushing -= 1 }
                return batch
            }
            guard !batch.isEmpty else { return }
            let schema = backend.location.schema
            let workspace = backend.workspace
            let runID = self.runID
            let sets = batch.map(\.set), texts = batch.map(\.text)
            do {
                _ = try await backend.transaction("write the journal") { connection in
                    try await connection.run("""
                        INSERT INTO \(unescaped: schema).journal (workspace, run_id, task_set, record)
                        SELECT \(workspace), \(runID), s, r FROM unnest(\(sets)::text[], \(texts)::text[]) WITH ORDINALITY AS t(s, r, n)
                        ORDER BY n
                        """)
                    return 0
                }
                for item in batch { item.done.resume() }
            } catch {
                for item in batch { item.done.resume(throwing: error) }
            }
        }
    }

    /// Every append has been committed when it returned: nothing is left to sync.
    func sync() async throws(StateError) {}

    func close() async throws(StateError) {
        queue.withLock { $0.closed = true }
    }
}
