import JSON

/// Writes JSON values as block-style YAML that reads back to the same values.
enum YAMLRendering {
    static func append(_ value: JSONValue, indent: Int, to out: inout String) {
        switch value {
        case .object(let entries) where !entries.isEmpty:
            for (key, member) in entries {
                out += String(repeating: " ", count: indent) + scalar(key) + ":"
                appendMember(member, indent: indent, to: &out)
            }
        case .array(let items) where !items.isEmpty:
            for item in items {
                out += String(repeating: " ", count: indent) + "-"
                switch item {
                case .object(let entries) where !entries.isEmpty:
                    // The first key shares the dash's line.
                    var first = true
                    for (key, member) in entries {
                        out += first ? " " : String(repeating: " ", count: indent + 2)
                        first = false
                        out += scalar(key) + ":"
                        appendMember(member, indent: indent + 2, to: &out)
                    }
                default:
                    appendMember(item, indent: indent, to: &out)
                }
            }
        default:
            out += String(repeating: " ", count: indent) + inline(value) + "\n"
        }
    }

    private static func appendMember(_ member: JSONValue, indent: Int, to out: inout String) {
        switch member {
        case .object(let entries) where !entries.isEmpty:
            out += "\n"
            append(member, indent: indent + 2, to: &out)
        case .array(let items) where !items.isEmpty:
            out += "\n"
            append(member, indent: indent + 2, to: &out)
        default:
            out += " " + inline(member) + "\n"
        }
    }

    private static func inline(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return scalar(s)
        case .object: return "{}"
        case .array: return "[]"
        default: return value.serialized()
        }
    }

    /// A string as a plain scalar when that reads back as the same string, else double-quoted.
    static func scalar(_ s: String) -> String {
        needsQuotes(s) ? JSONValue.string(s).serialized() : s
    }

    private static let reserved: Set<String> = ["null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE",
                                                ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN",
                                                "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n"]

    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if reserved.contains(s) { return true }
        if "-?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first) || last == " " || last == ":" { return true }
        if s.contains(": ") || s.contains(" #") { return true }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return true }
        // Anything that looks numeric would read back as a number.
        if let c = s.unicodeScalars.first, ("0"..."9").contains(c) || c == "." || c == "+" { return true }
        return false
    }
}
