import BatchTask
import GRDB

/// The query options of `GET /api/v1/BatchTask`: `$select`, `$filter`, `$orderBy`, `$top`, `$skip` (names match
/// case-insensitively; other `$` options such as `$mode` or `$format` are accepted and ignored). Columns are
/// named as archive columns (`associateId`) or as properties (`AssociateId`): the match ignores case.
struct ODataQuery: Sendable {
    var select: [BatchTaskField]?
    var filter: FilterExpression?
    var orderBy: [(field: BatchTaskField, ascending: Bool)] = []
    var top: Int?
    var skip = 0

    static func parse(_ pairs: [(name: String, value: String)]) throws(APIError) -> ODataQuery {
        var query = ODataQuery()
        for (name, value) in pairs {
            switch name.lowercased() {
            case "$select":
                let names = value.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
                if names.isEmpty { break }
                query.select = try names.map { (name) throws(APIError) in try field(name, option: "$select") }
            case "$filter":
                if value.trimmingASCIIWhitespace().isEmpty { break }
                query.filter = try FilterParser.parse(value)
            case "$orderby":
                for item in value.split(separator: ",") {
                    let words = item.split(separator: " ").map(String.init)
                    guard let first = words.first else { continue }
                    let direction = words.count > 1 ? words[1].lowercased() : "asc"
                    guard words.count <= 2, direction == "asc" || direction == "desc" else {
                        throw .badRequest("$orderBy: expected 'property [asc|desc]', got '\(item)'")
                    }
                    let property = try field(first, option: "$orderBy")
                    guard property != .parameterObject else { throw .badRequest("$orderBy: ParameterObject cannot be ordered by") }
                    query.orderBy.append((property, direction == "asc"))
                }
            case "$top":
                guard let n = Int(value), n >= 0 else { throw .badRequest("$top: expected a count of rows, got '\(value)'") }
                query.top = n
            case "$skip":
                guard let n = Int(value), n >= 0 else { throw .badRequest("$skip: expected a count of rows, got '\(value)'") }
                query.skip = n
            default:
                break
            }
        }
        return query
    }

    private static func field(_ name: String, option: String) throws(APIError) -> BatchTaskField {
        guard let field = BatchTaskField.named(caseInsensitive: name) else {
            throw .badRequest("\(option): unknown property \(name)")
        }
        return field
    }

    /// Without `$top` a page holds `pageSize` rows; with it, `$top` rows. One row more is read to learn whether
    /// another page follows.
    func compile(pageSize: Int, timeZone: RequestTimeZone) throws(APIError) -> TaskQuery {
        let condition = try filter?.compiled(in: timeZone)
        let whereClause = condition?.sql ?? ""
        let arguments = condition?.arguments ?? []
        var order = orderBy.map { "\"\(Schema.orderingColumn($0.field))\" \($0.ascending ? "ASC" : "DESC")" }
        // Id last keeps pages stable when the ordered values tie.
        if !orderBy.contains(where: { $0.field == .id }) { order.append("\"Id\" ASC") }
        let pageRows = top ?? pageSize
        return TaskQuery(
            whereClause: whereClause, arguments: arguments, orderClause: order.joined(separator: ", "),
            pageRows: pageRows, offset: skip)
    }

    /// The archive columns of each row: `$select`'s, or `id,name,state`.
    var columns: [BatchTaskField] { select ?? ArchiveRow.defaultColumns }
}
