import BatchTask
import JSON

/// Binds a request's BatchTaskInfo object the way ASP.NET Web API binds it to the .NET carrier: property names in
/// any case, enums by name in any case or by number, ParameterObject as a string dictionary. The result has the
/// API's spellings only, so everything after it compares exactly.
enum BatchTaskBinding {
    /// The object's known properties under their API names with canonical values; unknown members (TableRight,
    /// FieldProperties, anything) are dropped as the carrier has no place for them.
    static func canonicalMembers(_ object: JSONValue) throws(APIError) -> JSONValue.Object {
        guard case .object(let members) = object else {
            throw .badRequest("expected a BatchTaskInfo object, got \(object.typeName)")
        }
        var canonical = JSONValue.Object()
        for (key, value) in members {
            guard let field = BatchTaskField.named(caseInsensitive: key) else { continue }
            canonical[field.rawValue] = try self.value(value, for: field)
        }
        return canonical
    }

    /// The BatchTaskInfo a create binds; type errors name the property.
    static func task(_ object: JSONValue) throws(APIError) -> BatchTaskInfo {
        let members = try canonicalMembers(object)
        do {
            return try BatchTaskInfo(json: .object(members))
        } catch {
            throw .badRequest("request body: \(error)")
        }
    }

    /// One property's value made canonical; other properties' values pass unchanged (their types are checked
    /// when the task is built).
    static func value(_ value: JSONValue, for field: BatchTaskField) throws(APIError) -> JSONValue {
        if value.isNull { return .null }
        switch field {
        case .state: return .string(try state(value, allowingAll: false).rawValue)
        case .cancellationBehaviour: return .string(try cancellationBehaviour(value).rawValue)
        case .parameterObject: return .object(try stringDictionary(value))
        default: return value
        }
    }

    /// A BatchTaskState by name in any case or by number; `All` (99999) only where a query allows it.
    static func state(_ value: JSONValue, allowingAll: Bool) throws(APIError) -> BatchTaskState {
        let states = allowingAll ? BatchTaskState.knownStates : BatchTaskState.taskStates
        let numbers: [Int64: BatchTaskState] = [
            0: .unknown, 1: .new, 2: .aquired, 3: .started, 4: .succeeded, 5: .failed, 6: .succeededManualCleanup, 99999: .all,
        ]
        let found: BatchTaskState?
        switch value {
        case .int(let n): found = numbers[n]
        case .string(let text):
            let trimmed = text.trimmingASCIIWhitespace()
            if let n = Int64(trimmed) {
                found = numbers[n]
            } else {
                found = BatchTaskState.knownStates.first { $0.rawValue.lowercased() == trimmed.lowercased() }
            }
        default: found = nil
        }
        guard let found, states.contains(found) else {
            throw .badRequest(
                "State: \(describe(value)) is not a BatchTaskState (\(states.map(\.rawValue).joined(separator: ", ")))")
        }
        return found
    }

    /// A CancellationBehaviour by name in any case or by number (0, 1, 2), stored as its canonical name.
    static func cancellationBehaviour(_ value: JSONValue) throws(APIError) -> CancellationBehaviour {
        let all = CancellationBehaviour.allCases
        let found: CancellationBehaviour?
        switch value {
        case .int(let n): found = n >= 0 && n < all.count ? all[Int(n)] : nil
        case .string(let text):
            let trimmed = text.trimmingASCIIWhitespace()
            if let n = Int(trimmed) {
                found = n >= 0 && n < all.count ? all[n] : nil
            } else {
                found = all.first { $0.rawValue.lowercased() == trimmed.lowercased() }
            }
        default: found = nil
        }
        guard let found else {
            throw .badRequest(
                "CancellationBehaviour: \(describe(value)) is not one of \(all.map(\.rawValue).joined(separator: ", ")) (or 0, 1, 2)")
        }
        return found
    }

    /// Our reading of how the server binds JSON to the carrier's StringDictionary: a string stays, a number
    /// becomes its decimal text, `true`/`false` become .NET's `True`/`False`, null stays null, and a nested
    /// object or array cannot be a string, so it is a 400.
    static func stringDictionary(_ value: JSONValue) throws(APIError) -> JSONValue.Object {
        guard case .object(let members) = value else {
            throw .badRequest("ParameterObject: expected an object of strings, got \(value.typeName)")
        }
        var strings = JSONValue.Object()
        for (key, member) in members {
            switch member {
            case .string, .null: strings[key] = member
            case .int(let n): strings[key] = .string(String(n))
            case .double: strings[key] = .string(member.serialized())
            case .bool(let flag): strings[key] = .string(flag ? "True" : "False")
            case .object, .array:
                throw .badRequest(
                    "ParameterObject: \(key) is \(member.typeName); ParameterObject is a string dictionary, so values are strings, numbers, true, false or null")
            }
        }
        return strings
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "\"\(text.prefix(60))\""
        case .int, .double, .bool: return value.serialized()
        default: return value.typeName
        }
    }
}
