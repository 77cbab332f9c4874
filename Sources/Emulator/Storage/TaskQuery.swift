import GRDB

/// A compiled page query for `TaskStore`.
struct TaskQuery: Sendable {
    var whereClause: String
    var arguments: [DatabaseValue]
    var orderClause: String
    /// The rows the page shows.
    var pageRows: Int
    var offset: Int
    /// One more than the page, to detect a next page.
    var limit: Int { pageRows == Int.max ? Int.max : pageRows + 1 }
}
