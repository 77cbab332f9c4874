/// A scalar as written (text and style) together with the value the schema gives it.
public struct Scalar: Sendable, Hashable {
    /// How the scalar was written; only plain scalars go through core-schema resolution.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// The resolved kind without a second copy of the text: a string scalar's value is its text. Keeping one
    /// String per scalar makes nodes smaller and saves a retain and release per string in large files.
    enum Resolved: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int64)
        case float(Double)
        case string
    }

    /// The content after escapes and folding.
    public var text: String
    // Declared before `style` so the one-byte style packs after it: a Node is 80 bytes instead of 88.
    var resolved: Resolved
    public var style: Style

    init(text: String, style: Style, resolved: Resolved) {
        self.text = text
        self.resolved = resolved
        self.style = style
    }

    /// A scalar with a given value; for `.string(s)` the text becomes `s`, since a string's value is its text.
    public init(text: String, style: Style, value: ScalarValue) {
        self.init(text: text, style: style, resolved: .string)
        self.value = value
    }

    /// A string scalar, e.g. for values a caller synthesises.
    public init(string: String, style: Style = .doubleQuoted) {
        self.init(text: string, style: style, resolved: .string)
    }

    /// The value under the core schema or the explicit tag. Setting `.string(s)` also sets `text` to `s`.
    public var value: ScalarValue {
        get {
            switch resolved {
            case .null: return .null
            case .bool(let value): return .bool(value)
            case .int(let value): return .int(value)
            case .float(let value): return .float(value)
            case .string: return .string(text)
            }
        }
        set {
            switch newValue {
            case .null: resolved = .null
            case .bool(let value): resolved = .bool(value)
            case .int(let value): resolved = .int(value)
            case .float(let value): resolved = .float(value)
            case .string(let string):
                resolved = .string
                text = string
            }
        }
    }

    /// Whether two scalars are the same mapping key: equal resolved values (so `1` and `0x1` clash, `1` and "1"
    /// do not). Compares in place instead of building two `ScalarValue`s.
    func isSameKey(as other: Scalar) -> Bool {
        switch (resolved, other.resolved) {
        case (.string, .string): return text == other.text
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        default: return false
        }
    }
}

/// The typed value of a scalar under the YAML 1.2 core schema (plus explicit `!!` tags).
public enum ScalarValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)

    /// The string payload, or nil for the other kinds.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A word for error messages: "null", "a boolean", "an integer", "a number", "a string".
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        }
    }
}
