import BatchTask

/// One page of the OData list: its tasks, and the link to the next page when more follow.
public struct QueryPage: Sendable, Hashable {
    public var items: [BatchTaskInfo]
    /// As the server wrote it; `BatchTaskClient.nextPage(_:)` follows it (always on the configured endpoint).
    public var nextLink: String?

    public init(items: [BatchTaskInfo], nextLink: String?) {
        self.items = items
        self.nextLink = nextLink
    }
}
