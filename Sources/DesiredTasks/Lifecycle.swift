import BatchTask

/// The `lifecycle` block of a task.
public struct Lifecycle: Hashable, Sendable {
    /// A setting of the block, spelled as manifests spell it.
    public enum Key: String, CaseIterable, Sendable {
        case preventDestroy, ignoreChanges, createBeforeDestroy
    }

    /// A plan that would delete or replace the task is an error.
    public var preventDestroy = false
    /// Fields whose differences plan and drift leave alone.
    public var ignoreChanges: Set<BatchTaskField> = []
    /// On replace, create the new task before deleting the old one.
    public var createBeforeDestroy = false

    public init(preventDestroy: Bool = false, ignoreChanges: Set<BatchTaskField> = [], createBeforeDestroy: Bool = false) {
        self.preventDestroy = preventDestroy
        self.ignoreChanges = ignoreChanges
        self.createBeforeDestroy = createBeforeDestroy
    }
}
