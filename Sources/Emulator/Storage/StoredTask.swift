import BatchTask

/// A row of the `batchtask` table: the task as last written, plus the schedule of its job while one runs.
struct StoredTask: Sendable, Hashable {
    var info: BatchTaskInfo
    /// nil once the job has ended, was stopped, or a PUT set a state by hand.
    var job: JobSchedule?

    var id: Int32 { info.id ?? 0 }
}
