/// What an intent is about to do to a task.
public enum JournalAction: String, Sendable, Hashable, CaseIterable {
    case create, update, delete, move, `import`
}
