import JSON

/// Writes JSON values as block-style YAML that reads back to the same values.
public enum YAMLWriter {
    public static func append(_ value: JSONValue, indent: Int, to out: inout String) {
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
    public static func scalar(_ s: String) -> String {
        needsQuotes(s) ? doubleQuoted(s) : s
    }

    /// A YAML 1.2 double-quoted scalar. What a parser refuses raw (C0 and C1 controls, DEL, U+FFFE, U+FFFF), what
    /// some read as a line break (NEL, U+2028, U+2029), a byte order mark, and what a terminal obeys (the rule of
    /// `needsEscape`: controls and bidirectional overrides) is written as a `\uXXXX` escape, which YAML 1.2 and
    /// JSON both read back.
    public static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for character in s.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                guard mustEscape(character) else {
                    out.unicodeScalars.append(character)
                    continue
                }
                let hex = String(character.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
        }
        return out + "\""
    }

    private static func mustEscape(_ character: Unicode.Scalar) -> Bool {
        needsEscape(character) || character.value == 0xFFFE || character.value == 0xFFFF
    }

    /// Whether a character is shown as an escape wherever text reaches a reader: a control, a bidirectional
    /// override, a line or paragraph separator (a line break to some readers) or a byte order mark (invisible).
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        case 0x2028, 0x2029: return true
        case 0xFEFF: return true
        default: return false
        }
    }

    private static let reserved: Set<String> = ["null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE",
                                                ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN",
                                                "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n",
                                                "<<"]

    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if reserved.contains(s) { return true }
        if "-?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first) || last == " " || last == ":" { return true }
        if s.contains(": ") || s.contains(" #") { return true }
        if s.unicodeScalars.contains(where: mustEscape) { return true }
        // Anything that looks numeric would read back as a number.
        if let c = s.unicodeScalars.first, ("0"..."9").contains(c) || c == "." || c == "+" { return true }
        return false
    }
}
