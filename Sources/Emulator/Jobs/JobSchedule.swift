import BatchTask

/// When a task's job starts and ends, and how it ends: decided once, when the job is (re)started, and stored with
/// the task, so the job advances by the clock alone and a restart of the server changes nothing.
struct JobSchedule: Sendable, Hashable {
    enum Phase: Int, Sendable {
        /// Stored as `New`; turns `Started` at `startTicks`.
        case queued = 1
        /// Stored as `Started` (LastStarted and StartCount already set); ends at `endTicks`.
        case running = 2
    }

    var phase: Phase
    /// Ticks since 1970 (DotNetDate's unit) at which the job leaves the queue.
    var startTicks: Int64
    /// Ticks since 1970 at which the job ends, `outcome` then being its state.
    var endTicks: Int64
    /// `Succeeded` or `Failed`.
    var outcome: BatchTaskState
    /// The Result text the task gets when the job ends.
    var result: String
    /// ProgressPercent at the end; progress rises linearly towards it while running.
    var finalPercent: Int32

    /// The instant of the next transition, which is what the database indexes to find due jobs.
    var nextTicks: Int64 {
        switch phase {
        case .queued: return startTicks
        case .running: return endTicks
        }
    }
}
