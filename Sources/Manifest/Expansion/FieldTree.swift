import Diagnostics
import Expressions
import OrderedCollections
import YAML

/// Where a piece of a task's definition was written, for `explain`.
public enum Layer: Hashable, Sendable, CustomStringConvertible {
    case defaults
    case template(String)
    case task
    case value

    public var description: String {
        switch self {
        case .defaults: return "defaults"
        case .template(let name): return "template \(name)"
        case .task: return "the task"
        case .value: return "value"
        }
    }
}

/// A layer and the position of the YAML node it wrote.
struct Origin: Sendable {
    var layer: Layer
    var location: SourceLocation
}

/// A YAML value compiled for evaluation: data without expressions is kept as a value, scalars with `${...}`
/// as templates; layers that can only be merged once their values are known are kept as `merge`.
indirect enum FieldTree: Sendable {
    case value(Value, Origin)
    case template(ScalarTemplate, Origin)
    case list([FieldTree], Origin)
    case map([Entry], Origin)
    /// Deep merge at evaluation time, later wins: used when a layer's keys or shape are computed.
    case merge([FieldTree])

    struct Entry: Sendable {
        var key: Key
        var value: FieldTree
    }

    enum Key: Sendable {
        case text(String, SourceLocation)
        case template(ScalarTemplate)

        var constantText: String? {
            if case .text(let t, _) = self { return t }
            return nil
        }
    }

    var origin: Origin? {
        switch self {
        case .value(_, let o), .template(_, let o), .list(_, let o), .map(_, let o): return o
        case .merge(let layers): return layers.last?.origin
        }
    }

    /// Where the value of `key` in this mapping was written, looking through merged layers (the last one wins, as
    /// in evaluation); for error messages about one key of a field.
    func location(ofKey key: String) -> SourceLocation? {
        switch self {
        case .map(let entries, let origin):
            // A computed key may be this one: its position stands in when no written key is.
            var computed: SourceLocation?
            for entry in entries.reversed() {
                switch entry.key {
                case .text(let text, _) where text == key: return entry.value.origin?.location ?? origin.location
                case .template(let template): computed = computed ?? template.location
                case .text: continue
                }
            }
            return computed
        case .value(.map(let entries), let origin):
            return entries[key] != nil ? origin.location : nil
        case .template(_, let origin):
            return origin.location
        case .merge(let layers):
            for layer in layers.reversed() {
                if let location = layer.location(ofKey: key) { return location }
            }
            return nil
        case .value, .list:
            return nil
        }
    }

    /// Whether a template anywhere in the tree reads `run.*`: the value is known only when a run starts.
    var usesRun: Bool {
        switch self {
        case .value: return false
        case .template(let template, _): return template.usesRun
        case .list(let items, _): return items.contains { $0.usesRun }
        case .map(let entries, _):
            return entries.contains { entry in
                if case .template(let template) = entry.key, template.usesRun { return true }
                return entry.value.usesRun
            }
        case .merge(let layers): return layers.contains { $0.usesRun }
        }
    }

    /// The tree as text: data as JSON, templates as written, each with its position. For the manifests' digest of a
    /// field whose value waits for a run: the same text is the same template.
    var templateText: String {
        switch self {
        case .value(let value, _): return value.unwrapped.serialized()
        case .template(let template, let origin): return "\(template.source)@\(origin.location)"
        case .list(let items, _): return "[" + items.map(\.templateText).joined(separator: ",") + "]"
        case .map(let entries, _):
            return "{" + entries.map { entry in
                let key: String
                switch entry.key {
                case .text(let text, _): key = text
                case .template(let template): key = "\(template.source)@\(template.location)"
                }
                return key + ":" + entry.value.templateText
            }.joined(separator: ",") + "}"
        case .merge(let layers): return "merge(" + layers.map(\.templateText).joined(separator: ",") + ")"
        }
    }

    var isExplicitNull: Bool {
        if case .value(.null, _) = self { return true }
        return false
    }

    /// True when the tree is data known now (no expression anywhere).
    var constantValue: Value? {
        switch self {
        case .value(let v, _): return v
        case .template, .merge: return nil
        case .list(let items, _):
            var values: [Value] = []
            for item in items {
                guard let v = item.constantValue else { return nil }
                values.append(v)
            }
            return .list(values)
        case .map(let entries, _):
            var values = OrderedDictionary<String, Value>()
            for entry in entries {
                guard let k = entry.key.constantText, let v = entry.value.constantValue else { return nil }
                values[k] = v
            }
            return .map(values)
        }
    }
}

/// Turns YAML nodes into field trees, reporting expression syntax and name errors as it goes.
struct TreeCompiler {
    var scope: NameScope
    var layer: Layer
    /// Fold data-only mappings and lists into single values (fast); `explain` turns it off to keep each key's origin.
    var foldsConstants: Bool
    /// For a string field or ParameterObject (a string dictionary in the API): a plain scalar that YAML reads as a
    /// number or a boolean is kept as the text written (`0012345` stays "0012345", `0x1F` "0x1F"), and a mapping
    /// holding a list or a mapping is not folded, so the error that follows can name the nested value's position.
    var keepsScalarText = false
    var diagnostics: DiagnosticCollector

    /// The node's tree, or nil when an error was reported. Recurses once per level of YAML (which the loader
    /// bounds); each kind of node is compiled by a function of its own, so what stays on the stack per level is
    /// small.
    func compile(_ node: Node) -> FieldTree? {
        let origin = Origin(layer: layer, location: node.location)
        switch node.content {
        case .scalar(let scalar): return compileScalar(scalar, of: node, origin)
        case .sequence(let items): return compileSequence(items, origin)
        case .mapping(let pairs): return compileMapping(pairs, origin)
        }
    }

    private func compileScalar(_ scalar: Scalar, of node: Node, _ origin: Origin) -> FieldTree? {
        guard case .string(let text) = scalar.value else {
            if keepsScalarText, scalar.style == .plain, scalar.value != .null { return .value(.string(scalar.text), origin) }
            return .value(Value(scalar.value), origin)
        }
        // `!include-text` brings a file in as it is, like Jenkins Job Builder's include-raw: no `${...}`.
        if node.tag == "!include-text" { return .value(.string(text), origin) }
        guard let template = compileTemplate(text, scalar: scalar, tag: node.tag, at: node.location) else {
            return nil
        }
        if let template {
            if foldsConstants, template.isSingleExpression, case .expression(.constant(let v), _) = template.parts[0] {
                return .value(v, origin)
            }
            return .template(template, origin)
        }
        return .value(.string(ScalarTemplate.unescapedText(text)), origin)
    }

    private func compileSequence(_ items: [Node], _ origin: Origin) -> FieldTree? {
        var trees: [FieldTree] = []
        trees.reserveCapacity(items.count)
        var failed = false
        for item in items {
            if let tree = compile(item) { trees.append(tree) } else { failed = true }
        }
        if failed { return nil }
        let tree = FieldTree.list(trees, origin)
        if foldsConstants, let value = tree.constantValue { return .value(value, origin) }
        return tree
    }

    private func compileMapping(_ pairs: [Node.Pair], _ origin: Origin) -> FieldTree? {
        var entries: [FieldTree.Entry] = []
        entries.reserveCapacity(pairs.count)
        var failed = false
        for pair in pairs {
            guard case .scalar(let keyScalar) = pair.key.content else {
                diagnostics.add(.error(pair.key.location, "a mapping key here must be a scalar, not \(pair.key.kindName)"))
                failed = true
                continue
            }
            let key = compileKey(keyScalar, of: pair.key)
            guard let key, let value = compile(pair.value) else { failed = true; continue }
            entries.append(FieldTree.Entry(key: key, value: value))
        }
        if failed { return nil }
        let tree = FieldTree.map(entries, origin)
        let holdsContainer = keepsScalarText && entries.contains { entry in
            switch entry.value {
            case .list, .map, .value(.list, _), .value(.map, _): return true
            default: return false
            }
        }
        if foldsConstants, !holdsContainer, let value = tree.constantValue { return .value(value, origin) }
        return tree
    }

    /// A mapping's key: text, or a template when it holds `${...}`; nil when an error was reported.
    private func compileKey(_ keyScalar: Scalar, of node: Node) -> FieldTree.Key? {
        let keyText = keyScalar.text
        guard case .string = keyScalar.value else { return .text(keyText, node.location) }
        switch compileTemplate(keyText, scalar: keyScalar, tag: node.tag, at: node.location) {
        case .none: return nil
        case .some(.some(let template)): return .template(template)
        case .some(.none): return .text(ScalarTemplate.unescapedText(keyText), node.location)
        }
    }

    /// nil: an error was reported; `.some(nil)`: no expression in the text.
    private func compileTemplate(_ text: String, scalar: Scalar, tag: String?, at location: SourceLocation) -> ScalarTemplate?? {
        let shift = ScalarTemplate.columnShift(for: scalar)
        let rawParts: [ScalarTemplate.RawPart]
        do {
            guard let split = try ScalarTemplate.split(text) else { return .some(nil) }
            rawParts = split
        } catch {
            diagnostics.add(ScalarTemplate.diagnostic(for: error, at: location, columnShift: shift))
            return nil
        }
        guard rawParts.contains(where: { if case .expression = $0 { return true } else { return false } }) else {
            return .some(nil)
        }
        var parts: [ScalarTemplate.Part] = []
        var references: [String] = []
        var failed = false
        for raw in rawParts {
            switch raw {
            case .text(let t):
                parts.append(.text(t))
            case .expression(let syntax, let offset):
                ScalarTemplate.collectReferences(syntax, into: &references)
                do {
                    parts.append(.expression(try Compiler.compile(syntax, in: scope), offset: offset))
                } catch {
                    diagnostics.add(ScalarTemplate.diagnostic(for: error, at: location, columnShift: shift))
                    failed = true
                }
            }
        }
        if failed { return nil }
        let single = parts.count == 1 && scalar.style == .plain && tag == nil
        var template = ScalarTemplate(
            parts: parts, isSingleExpression: single, location: location, columnShift: shift, references: references,
            source: text)
        // A template whose expressions all folded to constants is evaluated once, here.
        if parts.allSatisfy({ if case .expression(.constant, _) = $0 { return true }; if case .text = $0 { return true }; return false }) {
            do {
                let value = try template.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil))
                template.parts = [.expression(.constant(value), offset: 0)]
                template.isSingleExpression = true
            } catch {
                diagnostics.add(template.diagnostic(for: error))
                return nil
            }
        }
        return .some(template)
    }
}

extension ScalarTemplate {
    /// The text of a scalar without expressions, with `$${` turned into `${`.
    static func unescapedText(_ text: String) -> String {
        text.contains("$${") ? text.replacingOccurrences(of: "$${", with: "${") : text
    }

    /// Where offsets inside the scalar's text start, relative to the scalar's position (1 past an opening quote);
    /// nil when the text spans lines.
    static func columnShift(for scalar: Scalar) -> Int? {
        guard !scalar.text.contains("\n") else { return nil }
        switch scalar.style {
        case .plain: return 0
        case .singleQuoted, .doubleQuoted: return 1
        case .literal, .folded: return nil
        }
    }
}

extension Value {
    init(_ scalar: ScalarValue) {
        switch scalar {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let d): self = .double(d)
        case .string(let s): self = .string(s)
        }
    }
}

extension FieldTree {
    /// A copy that shares no reference-counted storage with this one (see `String.isolatedCopy`). Recurses once
    /// per level of YAML, which the loader bounds.
    var isolatedCopy: FieldTree {
        switch self {
        case .value(let value, let origin): return .value(value.isolatedCopy, origin.isolatedCopy)
        case .template(let template, let origin): return .template(template.isolatedCopy, origin.isolatedCopy)
        case .list(let items, let origin): return .list(items.map(\.isolatedCopy), origin.isolatedCopy)
        case .map(let entries, let origin):
            return .map(entries.map { Entry(key: $0.key.isolatedCopy, value: $0.value.isolatedCopy) }, origin.isolatedCopy)
        case .merge(let layers): return .merge(layers.map(\.isolatedCopy))
        }
    }
}

extension FieldTree.Key {
    var isolatedCopy: FieldTree.Key {
        switch self {
        case .text(let text, let location): return .text(text.isolatedCopy, location.isolatedCopy)
        case .template(let template): return .template(template.isolatedCopy)
        }
    }
}

extension Origin {
    var isolatedCopy: Origin {
        let layer: Layer
        if case .template(let name) = self.layer { layer = .template(name.isolatedCopy) } else { layer = self.layer }
        return Origin(layer: layer, location: location.isolatedCopy)
    }
}
