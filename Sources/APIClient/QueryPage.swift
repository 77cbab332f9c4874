import JSON

/// One page of the OData list: the archive rows on it, and the link to the next page when more follow.
public struct QueryPage: Sendable, Hashable {
    public var rows: [ArchiveRow]
    /// As the server wrote it; `BatchTaskClient.nextPage(_:)` follows it (always on the configured endpoint).
    public var nextLink: String?

    public init(rows: [ArchiveRow], nextLink: String?) {
        self.rows = rows
        self.nextLink = nextLink
    }
}

/// A row of the "BatchTasks" archive that the OData list serves: not a BatchTaskInfo, but the task's id
/// (`PrimaryKey`), `EntityName` and the selected columns under archive column names.
///
/// api.md: the reference does not list the archive's columns, so nothing exact may rest on them; the list is a
/// browsing and paging aid. Recovery and refresh use the documented calls that return whole BatchTaskInfo values.
public struct ArchiveRow: Sendable, Hashable {
    /// The task's id.
    public var primaryKey: Int32?
    /// `batchtask` for this archive.
    public var entityName: String?
    /// Every column of the row as the server sent it, `PrimaryKey` and `EntityName` included.
    public var columns: JSONValue.Object

    public init(columns: JSONValue.Object) {
        self.columns = columns
        // A number, or in the slim mode a string (`"PrimaryKey": "3"`, api.md v3).
        switch columns["PrimaryKey"] {
        case .int(let n)?: primaryKey = Int32(exactly: n)
        case .string(let s)?: primaryKey = Int32(s)
        default: primaryKey = nil
        }
        entityName = columns["EntityName"]?.stringValue
    }

    /// One column by its archive name (`name`, `state`, ...).
    public subscript(column: String) -> JSONValue? { columns[column] }
}
