import BatchTask
import DesiredTasks

/// Which of a tenant's tasks `generate` reads: by Name globs, state, owner and system or user task.
public struct TaskFilter: Sendable {
    /// System tasks, user tasks, or both.
    public enum Kind: Sendable {
        case any, system, user
    }

    /// Empty matches every Name.
    public var names: [Glob]
    /// Nil (or `All`) matches every state.
    public var state: BatchTaskState?
    /// Empty matches every owner.
    public var associates: Set<Int32>
    public var kind: Kind

    public init(names: [Glob] = [], state: BatchTaskState? = nil, associates: Set<Int32> = [], kind: Kind = .any) {
        self.names = names
        self.state = state == .all ? nil : state
        self.associates = associates
        self.kind = kind
    }

    /// Whether a Name passes the `--name` globs.
    public func matches(name: String) -> Bool {
        names.isEmpty || names.contains { $0.matches(name) }
    }

    public func matches(_ task: BatchTaskInfo) -> Bool {
        guard matches(name: task.name ?? "") else { return false }
        if let state, task.state != state { return false }
        if !associates.isEmpty && !associates.contains(task.associateId ?? 0) { return false }
        switch kind {
        case .any: return true
        case .system: return task.isSystemTask == true
        case .user: return task.isSystemTask != true
        }
    }

    /// Every Name the globs can match is known without listing: each is a literal Name.
    var namesAreExact: Bool { !names.isEmpty && names.allSatisfy(\.isLiteral) }

    /// The filter as the flags that make it, for the generated file's header.
    public var flags: String {
        var parts = names.map { "--name " + quoted($0.pattern) }
        if let state { parts.append("--state \(state.rawValue)") }
        parts += associates.sorted().map { "--associate \($0)" }
        switch kind {
        case .any: break
        case .system: parts.append("--system")
        case .user: parts.append("--user")
        }
        return parts.joined(separator: " ")
    }

    private func quoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "-_.*?".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
