/// What an intent is about to do to a task.
public enum JournalAction: String, Sendable, Hashable, CaseIterable {
    case create, update, delete, move, `import`
    /// A new run of a task: a create whose entry takes the current run into its history.
    case run
    /// The deletion of a finished run from a task's history.
    case deleteRun = "delete-run"
    /// Runs of a task recorded as pending, started from pending, skipped or dropped: only the state changes.
    case pend
}
