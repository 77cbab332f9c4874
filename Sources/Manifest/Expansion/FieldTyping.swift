import BatchTask
import Diagnostics
import Expressions
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

    /// Puts one evaluated field into the task, checking its type. `tree` is what the field was evaluated from, for
    /// the position of a bad value inside it.
    static func assign(_ field: BatchTaskField, _ value: Value, at location: SourceLocation, tree: FieldTree? = nil,
                       to info: inout BatchTaskInfo, redactions: inout [BatchTaskField: JSONValue]) throws(Diagnostic) {
        var value = value
        if field == .parameterObject, case .map = value.revealed.value {
            value = try stringDictionary(value, at: location, tree: tree)
        }
        if let names = allowedNames(of: field), case .string(let name) = value.revealed.value, !names.contains(name) {
            let what = field == .state ? "is not a BatchTaskState" : "is not one the API knows"
            // A sensitive value is never quoted, nor hinted at by a suggestion.
            guard !value.containsSensitive else {
                throw Diagnostic.error(location, "\(field.rawValue): the (sensitive) value \(what) (one of \(names.joined(separator: ", ")))")
            }
            throw Diagnostic.error(location, "\(field.rawValue) '\(name)' \(what)\(Suggestion.hint(for: name, in: names)) (one of \(names.joined(separator: ", ")))")
        }
        let plain = value.revealed.value
        var json: JSONValue
        switch (field.valueType, plain) {
        case (.string, .int(let i)):
            json = .string(String(i))  // an expression's integer, as decimal text (a plain scalar arrives as written)
        case (.string, .bool(let b)):
            json = .string(b ? "true" : "false")
        case (.state, .string(let name)):
            json = .string(name)  // one of allowedNames(of: .state), checked above
        case (.object, .map):
            json = value.unwrapped
        case (.object, _):
            throw Diagnostic.error(location, "\(field.rawValue) must be a mapping of text values (a string dictionary in the API), not a \(plain.typeName)")
        default:
            json = value.unwrapped
        }
        if case .string = json, field.valueType == .object {
            throw Diagnostic.error(location, "\(field.rawValue) must be a mapping, not text")
        }
        do {
            try info.set(field, json)
        } catch {
            // The API's message quotes the value it got; a sensitive one is named by its type alone.
            var message = error.message
            if value.containsSensitive {
                let expected = message.range(of: ", got ").map { String(message[..<$0.lowerBound]) } ?? "the value does not fit"
                message = expected + ", got a (sensitive) \(plain.typeName)"
            }
            throw Diagnostic.error(location, "\(field.rawValue): \(message)")
        }
        if field.valueType == .dateTime, case .string(let text) = json, !DotNetDate.isValid(text) {
            // The server reads a date without an offset in its own zone or the one asked for (api.md v3): only an
            // offset makes the instant the manifest's.
            throw Diagnostic.error(location, "\(field.rawValue): a date-time needs an offset (Z, +hh:mm), such as 2018-06-01T14:34:02+02:00; without one the server reads it in its own time zone")
        }
        if value.containsSensitive {
            redactions[field] = value.redacted
        }
    }

    /// ParameterObject as the API types it, a string dictionary: text stays, an integer or a number becomes its
    /// decimal text, a boolean `true` or `false`, null stays null; a list or a mapping is an error at its position.
    static func stringDictionary(_ value: Value, at location: SourceLocation, tree: FieldTree?) throws(Diagnostic) -> Value {
        let (plain, secret) = value.revealed
        guard case .map(var entries) = plain else { return value }
        for (key, entry) in entries {
            let (inner, entrySecret) = entry.revealed
            let text: Value
            switch inner {
            case .string, .null: continue
            case .int(let i): text = .string(String(i))
            case .double(let d): text = .string(d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d))
            case .bool(let b): text = .string(b ? "true" : "false")
            case .list, .map:
                throw Diagnostic.error(tree?.location(ofKey: key) ?? location,
                    "ParameterObject.\(key) is a \(inner.typeName), but ParameterObject is a string dictionary in the API: every value is text; to send it as JSON text, write ${json(...)}")
            case .sensitive:
                continue  // not reached: `revealed` took the marker off
            }
            entries[key] = entrySecret ? .sensitive(text) : text
        }
        return secret ? .sensitive(.map(entries)) : .map(entries)
    }
}
