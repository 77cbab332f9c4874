import BatchTask
import Diagnostics
import JSON

/// Checks task fields against the API's types after expansion, and names misspelt fields.
enum FieldTyping {
    private static let fieldNames = BatchTaskField.allCases.map(\.rawValue)

    /// The field a manifest key names, or nil after reporting why it names none.
    static func field(named name: String, at location: SourceLocation, allowed controlKeys: [String],
                      diagnostics: DiagnosticCollector) -> BatchTaskField? {
        if let field = BatchTaskField.named(name) {
            if field == .id {
                diagnostics.error(location, "Id cannot be set: the server assigns it, and the task's key is its identity in batchctl")
                return nil
            }
            return field
        }
        let candidates = fieldNames.filter { $0 != "Id" } + controlKeys
        if let suggestion = Suggestion.closest(to: name, in: candidates) {
            diagnostics.error(location, "unknown field '\(name)'; did you mean \(suggestion)?")
        } else {
            diagnostics.error(location, "unknown field '\(name)': BatchTaskInfo fields are spelled as the API spells them (Name, Description, ParameterObject, ...)\(controlKeys.isEmpty ? "" : ", and the control keys are \(controlKeys.joined(separator: ", "))")")
        }
        return nil
    }

    /// Puts one evaluated field into the task, checking its type.
    static func assign(_ field: BatchTaskField, _ value: Value, at location: SourceLocation,
                       to info: inout BatchTaskInfo, redactions: inout [BatchTaskField: JSONValue]) throws(Diagnostic) {
        let plain = value.revealed.value
        var json: JSONValue
        switch (field.valueType, plain) {
        case (.string, .int(let i)):
            json = .string(String(i))  // `DatabaseSerialNumber: 706323` means the text
        case (.state, .string(let name)):
            let state = BatchTaskState(rawValue: name)
            guard state.isKnown, state != .all else {
                let names = BatchTaskState.taskStates.map(\.rawValue)
                throw Diagnostic.error(location, "State '\(name)' is not a BatchTaskState\(Suggestion.hint(for: name, in: names)) (one of \(names.joined(separator: ", ")))")
            }
            json = .string(name)
        case (.object, .map):
            json = value.unwrapped
        case (.object, _):
            throw Diagnostic.error(location, "\(field.rawValue) must be a mapping (sent as a JSON object), not a \(plain.typeName)")
        default:
            json = value.unwrapped
        }
        if case .string = json, field.valueType == .object {
            throw Diagnostic.error(location, "\(field.rawValue) must be a mapping, not text")
        }
        do {
            try info.set(field, json)
        } catch {
            throw Diagnostic.error(location, "\(field.rawValue): \(error.message)")
        }
        if value.containsSensitive {
            redactions[field] = value.redacted
        }
    }
}
