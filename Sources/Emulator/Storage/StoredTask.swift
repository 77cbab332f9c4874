import BatchTask

/// A row of the `batchtask` table: the task as last written, plus the schedule of its job while one runs.
struct StoredTask: Sendable, Hashable {
    var info: BatchTaskInfo
    /// nil once the job has ended, was stopped, or a PUT set a state by hand.
    var job: JobSchedule?
    /// Ticks of the task's last change: created, updated, stopped, or a job transition (progress alone is not a
    /// change). nil for a row an older emulator wrote.
    var lastModified: Int64?

    var id: Int32 { info.id ?? 0 }
}
