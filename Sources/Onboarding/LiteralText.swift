import JSON

/// Text written into a manifest so that it reads back as itself: manifest.md reads `${` as the start of an
/// expression and `$${` as a literal `${`.
public enum LiteralText {
    public static func escaped(_ text: String) -> String {
        text.contains("${") ? text.replacingOccurrences(of: "${", with: "$${") : text
    }

    /// Every text in a value escaped, mapping keys included (a ParameterObject's keys may hold expressions too).
    public static func escaped(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(escaped(text))
        case .array(let items): return .array(items.map(escaped))
        case .object(let members):
            var out = JSONValue.Object(minimumCapacity: members.count)
            for (key, member) in members { out[escaped(key)] = escaped(member) }
            return .object(out)
        default: return value
        }
    }
}
