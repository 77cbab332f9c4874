import Diagnostics
import Expressions
import JSON
import YAML

/// The check of an input's value against its type, reported where the value was given.
enum InputCheck {
    /// An error at the place `node` was given by `source` when `value` is not of the input's type; nil when it is.
    static func typeProblem(of value: Value, for input: InputDeclaration, given node: Node, by source: VarSource) -> Diagnostic? {
        guard let mismatch = input.type.mismatch(in: value) else { return nil }
        let found = describe(mismatch.found, sensitive: input.isSensitive || value.containsSensitive)
        var message = "input \(input.name) is \(input.type.withArticle); "
        var place = source.place(of: node)
        if mismatch.path.isEmpty {
            message += found.shown.map { "\($0) is \(found.kind)" } ?? "the value given is \(found.kind)"
        } else {
            message += "\(input.name)\(mismatch.path) is \(found.kind)" + (found.shown.map { ": \($0)" } ?? "")
            if source.location != nil, let inner = nested(node, at: mismatch.path) { place = inner.location }
        }
        if source.location == nil, input.type == .string, mismatch.found.revealed.value.isScalar {
            // --var and BATCHCTL_VAR_ read 8 and true as YAML does: quoting is how to mean the text.
            message += "; quote it to mean the text, as in --var \(input.name)='\"...\"'"
        }
        return .error(place, message, notes: ["the input is declared at \(input.location)"])
    }

    /// The kind of a value ("a string", "null") and the value as JSON, unless it is secret.
    private static func describe(_ value: Value, sensitive: Bool) -> (kind: String, shown: String?) {
        let plain = value.revealed.value
        let kind: String
        switch plain {
        case .null: kind = "null"
        case .bool: kind = "a boolean"
        case .int: kind = "an integer"
        case .double: kind = "a number"
        case .string: kind = "a string"
        case .list: kind = "a list"
        case .map: kind = "a map"
        case .sensitive: kind = "a value"
        }
        guard !sensitive, plain != .null else { return (kind, nil) }
        var shown = plain.redacted.serialized()
        if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
        return (kind, shown)
    }

    /// The node at a path such as `[2].eu` below `node`, when the value is written there as YAML.
    private static func nested(_ node: Node, at path: String) -> Node? {
        var current = node
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"),
               let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
               let items = current.sequence, index < items.count {
                current = items[index]
                rest = rest[rest.index(after: close)...]
            } else if rest.hasPrefix(".") {
                let afterDot = rest.dropFirst()
                let end = afterDot.firstIndex { $0 == "." || $0 == "[" } ?? afterDot.endIndex
                guard let child = current[String(afterDot[..<end])] else { return nil }
                current = child
                rest = afterDot[end...]
            } else {
                return nil
            }
        }
        return current
    }
}

extension Value {
    /// True for null, booleans, numbers and text.
    fileprivate var isScalar: Bool {
        switch self {
        case .null, .bool, .int, .double, .string: return true
        case .list, .map, .sensitive: return false
        }
    }
}
