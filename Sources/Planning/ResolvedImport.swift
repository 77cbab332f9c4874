import BatchTask
import Diagnostics

/// An `import` entry with the task it names read from the API: what the planner adopts at `address`.
public struct ResolvedImport: Sendable {
    public var address: String
    public var id: Int32
    /// The task as the API holds it now.
    public var live: BatchTaskInfo
    /// The entry's position in the manifests.
    public var location: SourceLocation

    public init(address: String, id: Int32, live: BatchTaskInfo, location: SourceLocation) {
        self.address = address
        self.id = id
        self.live = live
        self.location = location
    }
}
