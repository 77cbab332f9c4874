import Diagnostics

/// Everything the manifests say, expanded.
public struct ExpansionResult: Sendable {
    public var tasks: [DesiredTask] = []
    public var moves: [Move] = []
    /// The `import` entries, their `to` resolved to addresses of `tasks`.
    public var imports: [ImportEntry] = []
    public var sets: [TaskSetSummary] = []
    /// Errors and warnings, sorted by position.
    public var diagnostics: [Diagnostic] = []
    public var explanation: Explanation?
    public var filesRead = 0

    public init(tasks: [DesiredTask] = [], moves: [Move] = [], sets: [TaskSetSummary] = []) {
        self.tasks = tasks
        self.moves = moves
        self.sets = sets
    }

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// The tasks by address; addresses are unique after expansion.
    public var tasksByAddress: [String: DesiredTask] {
        Dictionary(tasks.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
