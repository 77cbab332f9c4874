import Diagnostics

/// A task set as loaded, for selection by label and for listings.
public struct TaskSetSummary: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var location: SourceLocation
    public var taskCount: Int

    public init(name: String, labels: [String: String], location: SourceLocation, taskCount: Int) {
        self.name = name
        self.labels = labels
        self.location = location
        self.taskCount = taskCount
    }
}
