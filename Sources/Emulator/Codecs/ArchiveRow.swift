import BatchTask
import JSON

/// A row of the "BatchTasks" archive, as `GET /api/v1/BatchTask` lists them: the task's id as `PrimaryKey`,
/// `EntityName` "batchtask", and the selected columns. Archive rows are not BatchTaskInfo values. Rows are those
/// of the default (slim) mode, the only one served: dates come in the request's zone without an offset, as in
/// every answer (`RequestTimeZone`).
struct ArchiveRow: Sendable {
    static let entityName = "batchtask"
    /// Our choice (the reference lists no columns for this archive): `id,name,state` without `$select`.
    static let defaultColumns: [BatchTaskField] = [.id, .name, .state]

    var primaryKey: Int32
    /// Column name and value (nil: null), in `$select` order.
    var columns: [(name: String, value: JSONValue?)]

    init(_ task: BatchTaskInfo, columns selected: [BatchTaskField]) {
        primaryKey = task.id ?? 0
        columns = selected.map { (Self.columnName($0), task[$0]) }
    }

    /// Our choice for the column names: the property's name in lower camel case (`associateId`, `isSystemTask`).
    static func columnName(_ field: BatchTaskField) -> String {
        guard let first = field.rawValue.first else { return field.rawValue }
        return first.lowercased() + field.rawValue.dropFirst()
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        // api.md v3: "in the default (slim) mode a row's `PrimaryKey` is a JSON **string** (`"PrimaryKey": "3"`)".
        writer.writeKey("PrimaryKey")
        writer.writeString(String(primaryKey))
        writer.writeKey("EntityName")
        writer.writeString(Self.entityName)
        for (name, value) in columns {
            writer.writeKey(name)
            if let value { writer.write(value) } else { writer.writeNull() }
        }
        writer.endObject()
    }
}
