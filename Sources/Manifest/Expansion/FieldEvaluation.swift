import Diagnostics
import Expressions
import OrderedCollections

extension FieldTree {
    /// The tree's value for one task; an error carries the position of the scalar it happened in.
    func evaluate(_ context: EvaluationContext) throws(Diagnostic) -> Value {
        switch self {
        case .value(let value, _):
            return value
        case .template(let template, _):
            do {
                return try template.evaluate(context)
            } catch {
                throw template.diagnostic(for: error)
            }
        case .list(let items, _):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try item.evaluate(context)) }
            return .list(values)
        case .map(let entries, _):
            return try FieldTree.evaluateMapping(entries, context)
        case .merge(let layers):
            var result: Value?
            for layer in layers {
                let value = try layer.evaluate(context)
                result = result.map { Value.deepMerge($0, value) } ?? value
            }
            return result ?? .null
        }
    }

    /// A mapping's entries, keys computed where they hold `${...}`; in a function of its own, so that `evaluate`,
    /// which recurses once per level of YAML, keeps little on the stack.
    private static func evaluateMapping(_ entries: [Entry], _ context: EvaluationContext) throws(Diagnostic) -> Value {
        var values = OrderedDictionary<String, Value>(minimumCapacity: entries.count)
        for entry in entries {
            let (key, keyLocation) = try FieldTree.text(of: entry.key, context)
            if values[key] != nil {
                throw Diagnostic.error(keyLocation, "duplicate key '\(key)' in this mapping after expansion")
            }
            values[key] = try entry.value.evaluate(context)
        }
        return .map(values)
    }

    /// A mapping key's text and where it is written.
    private static func text(of key: Key, _ context: EvaluationContext) throws(Diagnostic) -> (String, SourceLocation) {
        switch key {
        case .text(let text, let location):
            return (text, location)
        case .template(let template):
            let value: Value
            do {
                value = try template.evaluate(context)
            } catch {
                throw template.diagnostic(for: error)
            }
            let (plain, secret) = value.revealed
            guard !secret, let text = Interpolation.text(of: plain) else {
                throw Diagnostic.error(template.location, secret
                    ? "a mapping key cannot be sensitive: keys are shown in every output"
                    : "a mapping key must be text, not a \(plain.typeName)")
            }
            return (text, template.location)
        }
    }

    /// Combines an inherited tree with a later one: mappings key by key, deeply; anything else, the later wins.
    /// Merges that depend on computed keys or values are left for evaluation time.
    static func merged(_ earlier: FieldTree, _ later: FieldTree) -> FieldTree {
        switch (earlier, later) {
        case (.map(let a, _), .map(let b, let origin))
            where a.allSatisfy({ $0.key.constantText != nil }) && b.allSatisfy({ $0.key.constantText != nil }):
            var entries = a
            var index: [String: Int] = [:]
            for (i, entry) in a.enumerated() { if let k = entry.key.constantText { index[k] = i } }
            for entry in b {
                guard let k = entry.key.constantText else { continue }
                if let i = index[k] {
                    entries[i].value = merged(entries[i].value, entry.value)
                } else {
                    index[k] = entries.count
                    entries.append(entry)
                }
            }
            return .map(entries, origin)
        case (.value(.map(let a), let o1), .map):
            return merged(.map(a.map { .init(key: .text($0.key, o1.location), value: .value($0.value, o1)) }, o1), later)
        case (.map, .value(.map(let b), let o2)):
            return merged(earlier, .map(b.map { .init(key: .text($0.key, o2.location), value: .value($0.value, o2)) }, o2))
        case (.value(.map(let a), _), .value(.map(let b), let origin)):
            return .value(Value.deepMerge(.map(a), .map(b)), origin)
        case (.value(let v, _), _) where !v.isMap:
            return later
        case (.list, _):
            return later
        case (_, .value(let v, _)) where !v.isMap:
            return later
        case (_, .list):
            return later
        case (_, .template(let t, _)) where !t.isSingleExpression:
            return later  // text: a string, which replaces
        case (.merge(let layers), _):
            return .merge(layers + [later])
        default:
            return .merge([earlier, later])
        }
    }
}

extension Value {
    var isMap: Bool {
        if case .map = self { return true }
        return false
    }

    /// Mappings merge key by key, deeply; anything else: `later` replaces `earlier`. Secrets are not merged into.
    static func deepMerge(_ earlier: Value, _ later: Value) -> Value {
        guard case .map(var a) = earlier, case .map(let b) = later else { return later }
        for (key, value) in b {
            if let existing = a[key] {
                a[key] = deepMerge(existing, value)
            } else {
                a[key] = value
            }
        }
        return .map(a)
    }
}
