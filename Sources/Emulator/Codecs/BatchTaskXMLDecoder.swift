import BatchTask
import JSON

/// Reads XML bodies into the JSON a JSON body would give: a `<BatchTaskInfo>` (in any namespace or none) as an
/// object of its properties, and an Agents request element as an object of its arguments.
enum BatchTaskXMLDecoder {
    /// A `<BatchTaskInfo>` document: child elements named as properties, `i:nil="true"` as null,
    /// ParameterObject's `StringKeyValuePair`s as an object of strings, unknown elements (TableRight,
    /// FieldProperties) ignored.
    static func object(from bytes: [UInt8]) throws(APIError) -> JSONValue {
        let root = try XMLNode.parse(bytes)
        guard root.name == "BatchTaskInfo" else { throw .badRequest("expected a <BatchTaskInfo> element, got <\(root.name)>") }
        return try task(root)
    }

    static func task(_ element: XMLNode) throws(APIError) -> JSONValue {
        var members = JSONValue.Object()
        for child in element.children {
            guard let field = BatchTaskField.named(caseInsensitive: child.name) else { continue }
            if child.isNil {
                members[field.rawValue] = .null
            } else if field == .parameterObject {
                members[field.rawValue] = .object(parameters(child))
            } else {
                members[field.rawValue] = try FieldText.value(child.text, for: field)
            }
        }
        return .object(members)
    }

    /// An Agents request (`<request><Id>5</Id></request>`, any root name): each child an argument; a
    /// `<BatchTaskInfo>` child is a task, a child with children a list of their texts, any other its text.
    static func arguments(from bytes: [UInt8]) throws(APIError) -> JSONValue {
        let root = try XMLNode.parse(bytes)
        var members = JSONValue.Object()
        for child in root.children {
            if child.isNil {
                members[child.name] = .null
            } else if child.name.lowercased() == "batchtaskinfo" {
                members[child.name] = try task(child)
            } else if !child.children.isEmpty {
                members[child.name] = .array(child.children.map { .string($0.text.trimmingASCIIWhitespace()) })
            } else {
                members[child.name] = .string(child.text)
            }
        }
        return .object(members)
    }

    private static func parameters(_ element: XMLNode) -> JSONValue.Object {
        var parameters = JSONValue.Object()
        for pair in element.children {
            guard let key = pair.child("Key")?.text else { continue }
            let value = pair.child("Value")
            parameters[key] = value.map { $0.isNil ? .null : .string($0.text) } ?? .null
        }
        return parameters
    }
}
