import BatchTask
import JSON

/// A BatchTaskInfo as the .NET carrier serializes it: every property present, in the contract's order, then
/// `TableRight` (null) and `FieldProperties` (an object). A property without a value is what the carrier holds
/// for it: a value type's default (0, false, the enum's first member), null for strings, dates and
/// ParameterObject. `$select` nulls the properties it leaves out.
enum BatchTaskJSON {
    /// What the response shows for `field`; nil means JSON null.
    static func shown(_ task: BatchTaskInfo, _ field: BatchTaskField) -> JSONValue? {
        if let value = task[field] { return value }
        switch field.valueType {
        case .int32: return .int(0)
        case .bool: return .bool(false)
        case .state: return .string(BatchTaskState.unknown.rawValue)
        case .string where field == .cancellationBehaviour: return .string(CancellationBehaviour.canCancel.rawValue)
        case .string, .dateTime, .object: return nil
        }
    }

    static func write(_ task: BatchTaskInfo, nulling: Set<BatchTaskField> = [], to writer: inout JSONWriter) {
        writer.beginObject()
        for field in BatchTaskField.allCases {
            writer.writeKey(field.rawValue)
            if !nulling.contains(field), let value = shown(task, field) {
                writer.write(value)
            } else {
                writer.writeNull()
            }
        }
        writer.writeKey("TableRight")
        writer.writeNull()
        writer.writeKey("FieldProperties")
        writer.beginObject()
        writer.endObject()
        writer.endObject()
    }
}
