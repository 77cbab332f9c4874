import BatchTask
import JSON
import Planning

/// The fields of a task on the server that a user sets, as a manifest writes them: what `FieldModel` compares,
/// without what the server manages (api.md v3, "What the server changes").
public enum UserFields {
    /// The fields in API order: never Id, State or the fields the server sets as the job runs, nor DetailsTable and
    /// DetailsRecord beside a ParameterObject; Created (which the server sets when a task is made without one) only
    /// with `keepingCreated`. A date written without an offset gets one (the instant the server meant, read as
    /// `model` reads it), since a manifest's date needs it; one with an offset is kept as written.
    public static func of(_ task: BatchTaskInfo, model: FieldModel, keepingCreated: Bool = false) -> JSONValue.Object {
        var fields = JSONValue.Object()
        let withParameters = task.parameterObject != nil
        for field in task.presentFields where field != .state && (keepingCreated || field != .created)
            && model.isCompared(field, withParameterObject: withParameters) {
            guard var value = task[field] else { continue }
            if field.valueType == .dateTime, case .string(let text) = value, !DotNetDate.isValid(text) {
                guard let ticks = model.instant(field, text) else { continue }
                value = .string(DotNetDate(ticksSince1970: ticks, offsetMinutes: 0).text)
            }
            fields[field.rawValue] = value
        }
        return fields
    }

    /// Whether two tasks' fields are the same data as `model` compares them.
    static func same(_ a: JSONValue.Object, _ b: JSONValue.Object, model: FieldModel) -> Bool {
        guard a.count == b.count else { return false }
        for (name, value) in a {
            guard let field = BatchTaskField(rawValue: name), let other = b[name], model.same(field, value, other) else { return false }
        }
        return true
    }
}
