import Diagnostics
import Expressions
import JSON

/// The type of an input, as written in its `type:`: `string`, `integer`, `number`, `boolean`, `any`, and
/// `list(T)` or `map(T)` around any of them.
public indirect enum InputType: Hashable, Sendable, CustomStringConvertible {
    case string, integer, number, boolean, any
    case list(InputType)
    case map(InputType)

    static let scalarNames = ["string", "integer", "number", "boolean", "any"]

    /// Why a type string does not parse: the message, and the character offset it is about.
    struct ParseError: Error {
        var offset: Int
        var message: String
    }

    /// Reads a type string; blanks around names and parentheses are allowed (`list( map(string) )`).
    static func parse(_ text: String) throws(ParseError) -> InputType {
        var parser = TypeParser(characters: Array(text))
        let type = try parser.type()
        parser.skipBlanks()
        if parser.index < parser.characters.count {
            throw ParseError(offset: parser.index, message: "unexpected '\(parser.characters[parser.index])' after the type \(type)")
        }
        return type
    }

    public var description: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .any: return "any"
        case .list(let element): return "list(\(element))"
        case .map(let element): return "map(\(element))"
        }
    }

    /// The type with its article, for messages: "an integer", "a list(string)".
    var withArticle: String {
        switch self {
        case .integer, .any: return "an \(self)"
        default: return "a \(self)"
        }
    }

    /// The first place where `value` is not of this type, as a path below the value (`[2]`, `.eu`, empty for the
    /// value itself) and the value found there; nil when it is. An integer is a number; nothing else converts.
    func mismatch(in value: Value) -> (path: String, found: Value)? {
        let plain = value.revealed.value
        switch (self, plain) {
        case (.any, _), (.string, .string), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool):
            return nil
        case (.list(let element), .list(let items)):
            for (index, item) in items.enumerated() {
                if let inner = element.mismatch(in: item) { return ("[\(index)]" + inner.path, inner.found) }
            }
            return nil
        case (.map(let element), .map(let entries)):
            for (key, item) in entries {
                if let inner = element.mismatch(in: item) { return (".\(key)" + inner.path, inner.found) }
            }
            return nil
        default:
            return ("", value)
        }
    }

    /// The JSON Schema of a value of this type, for a var file's schema.
    var jsonSchema: JSONValue {
        switch self {
        case .string: return ["type": "string"]
        case .integer: return ["type": "integer"]
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .any: return [:]
        case .list(let element): return ["type": "array", "items": element.jsonSchema]
        case .map(let element): return ["type": "object", "additionalProperties": element.jsonSchema]
        }
    }
}

/// A recursive-descent reader of type strings.
private struct TypeParser {
    let characters: [Character]
    var index = 0

    mutating func skipBlanks() {
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
    }

    mutating func type() throws(InputType.ParseError) -> InputType {
        skipBlanks()
        let start = index
        while index < characters.count, characters[index].isLetter { index += 1 }
        let name = String(characters[start..<index])
        switch name {
        case "string": return .string
        case "integer": return .integer
        case "number": return .number
        case "boolean": return .boolean
        case "any": return .any
        case "list", "map":
            skipBlanks()
            guard index < characters.count, characters[index] == "(" else {
                throw InputType.ParseError(offset: index, message: "\(name) needs its element type in parentheses, as in \(name)(string)")
            }
            index += 1
            let element = try type()
            skipBlanks()
            guard index < characters.count, characters[index] == ")" else {
                throw InputType.ParseError(offset: index, message: "expected ')' to close \(name)(")
            }
            index += 1
            return name == "list" ? .list(element) : .map(element)
        case "":
            let found = index < characters.count ? "'\(characters[index])'" : "the end"
            throw InputType.ParseError(offset: index, message: "expected a type (\(Self.known)), found \(found)")
        default:
            let hint = Suggestion.hint(for: name, in: InputType.scalarNames + ["list", "map"])
            throw InputType.ParseError(offset: start, message: "unknown type '\(name)'\(hint) (known: \(Self.known))")
        }
    }

    static let known = "string, integer, number, boolean, any, list(T), map(T)"
}
