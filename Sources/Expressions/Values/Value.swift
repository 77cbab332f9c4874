import JSON
import OrderedCollections

/// A value as manifests and expressions see it: YAML data, plus a marker for secrets.
///
/// `.sensitive` wraps whatever `sensitive(x)` produced, and anything computed from it: the value is sent to the
/// API as is (`unwrapped`), and shown as `(sensitive)` everywhere else (`redacted`).
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([Value])
    case map(OrderedDictionary<String, Value>)
    // Only this case is boxed: a string or a number is a value in place, not an allocation of its own.
    indirect case sensitive(Value)

    /// Marks a value secret, without nesting markers.
    public static func secret(_ value: Value) -> Value {
        if case .sensitive = value { return value }
        return .sensitive(value)
    }

    /// The value without its secrecy marker, and whether it had one.
    public var revealed: (value: Value, isSensitive: Bool) {
        if case .sensitive(let inner) = self { return (inner, true) }
        return (self, false)
    }

    /// True when the value or anything inside it is secret.
    public var containsSensitive: Bool {
        switch self {
        case .sensitive: return true
        case .list(let items): return items.contains { $0.containsSensitive }
        case .map(let entries): return entries.values.contains { $0.containsSensitive }
        default: return false
        }
    }

    /// What is sent to the API: every secret in clear.
    public var unwrapped: JSONValue { json(revealingSecrets: true) }

    /// What is shown to people: every secret as `(sensitive)`.
    public var redacted: JSONValue { json(revealingSecrets: false) }

    private func json(revealingSecrets: Bool) -> JSONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map { $0.json(revealingSecrets: revealingSecrets) })
        case .map(let entries): return .object(entries.mapValues { $0.json(revealingSecrets: revealingSecrets) })
        case .sensitive(let inner): return revealingSecrets ? inner.json(revealingSecrets: true) : .string(Value.sensitiveMarker)
        }
    }

    /// What a secret shows as; a desired task redacts with the same text (`DesiredTask.sensitiveMarker`).
    public static let sensitiveMarker = "(sensitive)"

    /// The user-facing name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .list: return "list"
        case .map: return "mapping"
        case .sensitive(let inner): return inner.typeName
        }
    }

    /// A short rendering for messages, e.g. matrix values in a duplicate-key error; secrets stay hidden.
    public var shortDescription: String {
        switch self {
        case .string(let s): return s
        case .sensitive: return Value.sensitiveMarker
        default: return redacted.serialized()
        }
    }

    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(Value.init))
        case .object(let entries): self = .map(entries.mapValues(Value.init))
        }
    }
}
