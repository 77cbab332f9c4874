import BatchTask
import JSON

/// A property's value given as text (form fields, XML elements), typed by the property.
enum FieldText {
    static func value(_ text: String, for field: BatchTaskField) throws(APIError) -> JSONValue {
        switch field.valueType {
        case .int32:
            let trimmed = text.trimmingASCIIWhitespace()
            if trimmed.isEmpty { return .null }
            guard let number = Int64(trimmed) else {
                throw .badRequest("\(field.rawValue): expected an integer, got \"\(text.prefix(60))\"")
            }
            return .int(number)
        case .bool:
            switch text.trimmingASCIIWhitespace().lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            case "": return .null
            default: throw .badRequest("\(field.rawValue): expected true or false, got \"\(text.prefix(60))\"")
            }
        case .object:
            return .string(text)
        case .string, .state, .dateTime:
            return .string(text)
        }
    }
}

extension BatchTaskField {
    /// `name`, `NAME` and `Name` alike: OData clients and the reference's own examples write them in lower case.
    static func named(caseInsensitive name: String) -> BatchTaskField? {
        if let exact = BatchTaskField(rawValue: name) { return exact }
        let lowered = name.lowercased()
        return allCases.first { $0.rawValue.lowercased() == lowered }
    }
}
