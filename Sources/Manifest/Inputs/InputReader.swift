import Diagnostics
import YAML

/// Reads an `inputs:` mapping into declarations, reporting each problem at its position.
struct InputReader {
    private(set) var inputs: [InputDeclaration] = []
    private(set) var errors: [Diagnostic] = []

    private static let keys = InputDeclaration.Key.allCases.map(\.rawValue)

    /// Reads `node`, the value of `inputs:`.
    init(_ node: Node) {
        if node.isNull { return }
        guard let pairs = node.mappingPairs else {
            errors.append(.error(node.location, "inputs is a mapping of input names to {type, default, description, validation, sensitive}, not \(node.kindName)"))
            return
        }
        var seen: [String: SourceLocation] = [:]
        for pair in pairs {
            guard let name = pair.key.scalar?.text else { continue }
            guard SetExpander.isIdentifier(name), !SetExpander.reservedNames.contains(name) else {
                errors.append(.error(pair.key.location, "'\(name)' cannot be an input name: use letters, digits and '_', not starting with a digit, and none of \(SetExpander.reservedNames.joined(separator: ", "))"))
                continue
            }
            if let first = seen[name] {
                errors.append(.error(pair.key.location, "input '\(name)' is declared twice", notes: ["first declared at \(first)"]))
                continue
            }
            seen[name] = pair.key.location
            if let input = read(name, at: pair.key.location, pair.value) { inputs.append(input) }
        }
    }

    private mutating func read(_ name: String, at location: SourceLocation, _ node: Node) -> InputDeclaration? {
        var input = InputDeclaration(name: name, location: location, type: .any, defaultValue: nil, description: nil,
                                     validations: [], isSensitive: false)
        if node.isNull { return input }
        guard let pairs = node.mappingPairs else {
            errors.append(.error(node.location, "input '\(name)' is a mapping of \(Self.keys.joined(separator: ", ")), not \(node.kindName)"))
            return nil
        }
        let before = errors.count
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard let known = InputDeclaration.Key(rawValue: key) else {
                errors.append(.error(pair.key.location, "unknown key '\(key)' in input '\(name)'\(Suggestion.hint(for: key, in: Self.keys)) (known: \(Self.keys.joined(separator: ", ")))"))
                continue
            }
            switch known {
            case .type: input.type = type(pair.value) ?? .any
            case .default: input.defaultValue = pair.value
            case .description: input.description = text(pair.value, "description")
            case .validation: input.validations = validations(pair.value)
            case .sensitive:
                guard case .bool(let flag)? = pair.value.value else {
                    errors.append(.error(pair.value.location, "sensitive is true or false, not \(pair.value.kindName)"))
                    continue
                }
                input.isSensitive = flag
            }
        }
        return errors.count == before ? input : nil
    }

    /// A type string, or nil after an error at the character it is about.
    private mutating func type(_ node: Node) -> InputType? {
        guard let text = text(node, "type") else { return nil }
        do {
            return try InputType.parse(text)
        } catch {
            let shift = node.scalar?.style == .singleQuoted || node.scalar?.style == .doubleQuoted ? 1 : 0
            let single = node.scalar?.style != .literal && node.scalar?.style != .folded && !text.contains("\n")
            let at = single ? node.location.advanced(byColumns: shift + error.offset) : node.location
            errors.append(.error(at, "type '\(text)': \(error.message)"))
            return nil
        }
    }

    private mutating func validations(_ node: Node) -> [InputDeclaration.Validation] {
        var found: [InputDeclaration.Validation] = []
        for item in node.sequence ?? [node] {
            guard let pairs = item.mappingPairs, let rule = item["rule"] else {
                errors.append(.error(item.location, "a validation is {rule: ${...}, message: ...}"))
                continue
            }
            for pair in pairs where !["rule", "message"].contains(pair.key.scalar?.text ?? "") {
                errors.append(.error(pair.key.location, "unknown key '\(pair.key.scalar?.text ?? "")' in a validation (known: rule, message)"))
            }
            guard let messageNode = item["message"] else {
                errors.append(.error(item.location, "a validation needs a message, printed where a value that fails the rule is given"))
                continue
            }
            guard let message = text(messageNode, "message") else { continue }
            found.append(InputDeclaration.Validation(rule: rule, message: message))
        }
        return found
    }

    private mutating func text(_ node: Node, _ what: String) -> String? {
        guard let text = node.string else {
            errors.append(.error(node.location, "\(what) is text, not \(node.kindName)"))
            return nil
        }
        return text
    }
}
