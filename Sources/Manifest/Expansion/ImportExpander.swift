import DesiredTasks
import Diagnostics
import Expressions
import YAML

/// Expands a set's `import:` value (a list of entries, or one expression giving a list of maps) into entries whose
/// `to` is still as written; `ManifestEngine` resolves it to an address once every task is known.
struct ImportExpander {
    /// One expanded entry.
    struct Written {
        var to: String
        var source: ImportEntry.Source
        /// The entry's position, and where its `to` is written.
        var location: SourceLocation
        var toLocation: SourceLocation
    }

    /// An entry's three values, compiled, and where each is written.
    private struct Fields {
        var to: (tree: FieldTree, location: SourceLocation)
        var id: (tree: FieldTree, location: SourceLocation)?
        var name: (tree: FieldTree, location: SourceLocation)?
    }

    let setExpander: SetExpander
    private var diagnostics: DiagnosticCollector { setExpander.diagnostics }

    init(setExpander: SetExpander) {
        self.setExpander = setExpander
    }

    func expand(_ node: Node) -> [Written] {
        switch node.content {
        case .sequence(let items):
            return items.flatMap(expandEntry)
        case .scalar(let scalar) where scalar.text.contains("${"):
            return expandExpression(node)
        case .scalar(let scalar) where scalar.value == .null:
            return []
        case .scalar, .mapping:
            diagnostics.error(node.location, "import is a list of {to, id} or {to, name} entries, or one expression giving such a list, not \(node.kindName)")
            return []
        }
    }

    private func expandEntry(_ item: Node) -> [Written] {
        guard let pairs = item.mappingPairs else {
            diagnostics.error(item.location, "an import entry is a mapping: {to: my-task, id: 1234} or {to: my-task, name: \"Exact Name\"}, not \(item.kindName)")
            return []
        }
        var nodes: [ImportKey: Node] = [:]
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard let known = ImportKey(rawValue: key) else {
                diagnostics.error(pair.key.location, "unknown key '\(key)' in an import entry\(Suggestion.hint(for: key, in: ImportKey.names)) (known: \(ImportKey.names.joined(separator: ", ")))")
                continue
            }
            nodes[known] = pair.value
        }
        guard checkShape(nodes, at: item.location) else { return [] }
        guard let matrix = Matrix.read(nodes[.matrix], scope: setExpander.varScope, diagnostics: diagnostics) else { return [] }
        if matrix.combinationCount > setExpander.options.maxTasks {
            diagnostics.error(matrix.location ?? item.location, "this import entry would expand to \(matrix.combinationCount) imports, more than the limit of \(setExpander.options.maxTasks); narrow the matrix, or raise the limit with --max-tasks")
            return []
        }
        var scope = setExpander.varScope
        scope.slots = matrix.slots
        let compiler = TreeCompiler(scope: scope, layer: .task, foldsConstants: true, keepsScalarText: true, diagnostics: diagnostics)
        func compiled(_ key: ImportKey) -> (tree: FieldTree, location: SourceLocation)?? {
            guard let node = nodes[key] else { return .some(nil) }
            return compiler.compile(node).map { ($0, node.location) }
        }
        guard let to = compiled(.to), let id = compiled(.id), let name = compiled(.name), let to else { return [] }
        let fields = Fields(to: to, id: id, name: name)
        var written: [Written] = []
        matrix.forEachCombination { slots in
            do throws(Diagnostic) {
                written.append(try evaluate(fields, EvaluationContext(slots: slots, taskKey: nil, taskAddress: nil), at: item.location))
            } catch {
                diagnostics.add(error)
            }
        }
        return written
    }

    /// Reports an entry without `to`, or without exactly one of `id` and `name`.
    private func checkShape(_ nodes: [ImportKey: Node], at location: SourceLocation) -> Bool {
        if nodes[.to] == nil {
            diagnostics.error(location, "the import entry has no to: add to: my-task (a key of this set, or set/key)")
            return false
        }
        switch (nodes[.id], nodes[.name]) {
        case (nil, nil):
            diagnostics.error(location, "the import entry names no task: add id: 1234 or name: \"Exact Name\"")
            return false
        case (.some, .some):
            diagnostics.error(location, "the import entry has both id and name: give one of them")
            return false
        default:
            return true
        }
    }

    private func evaluate(_ fields: Fields, _ context: EvaluationContext, at location: SourceLocation) throws(Diagnostic) -> Written {
        let to = try fields.to.tree.evaluate(context)
        let id = try fields.id.map { field throws(Diagnostic) in (try field.tree.evaluate(context), field.location) }
        let name = try fields.name.map { field throws(Diagnostic) in (try field.tree.evaluate(context), field.location) }
        return try Self.written(to: (to, fields.to.location), id: id, name: name, at: location)
    }

    /// `import: ${entries}`: every map of the list is an entry, and every error is at the expression.
    private func expandExpression(_ node: Node) -> [Written] {
        let compiler = TreeCompiler(scope: setExpander.varScope, layer: .task, foldsConstants: true, diagnostics: diagnostics)
        guard let tree = compiler.compile(node) else { return [] }
        let location = node.location
        do throws(Diagnostic) {
            let value = try tree.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil)).revealed.value
            guard case .list(let items) = value else {
                throw Diagnostic.error(location, "import must give a list of {to, id} or {to, name} maps, not a \(value.typeName)")
            }
            var written: [Written] = []
            for (index, item) in items.enumerated() {
                guard case .map(let entry) = item.revealed.value else {
                    throw Diagnostic.error(location, "import[\(index)] must be a {to, id} or {to, name} map, not a \(item.typeName)")
                }
                if let unknown = entry.keys.first(where: { ImportKey(rawValue: $0) == nil || $0 == ImportKey.matrix.rawValue }) {
                    throw Diagnostic.error(location, "import[\(index)] has the key '\(unknown)'; an entry given by an expression holds to and id or name")
                }
                guard let to = entry[ImportKey.to.rawValue] else {
                    throw Diagnostic.error(location, "import[\(index)] has no to")
                }
                written.append(try Self.written(to: (to, location), id: entry[ImportKey.id.rawValue].map { ($0, location) },
                                                name: entry[ImportKey.name.rawValue].map { ($0, location) }, at: location))
            }
            return written
        } catch {
            diagnostics.add(error)
            return []
        }
    }

    /// An entry from its values, each checked at the place it is written.
    private static func written(to: (Value, SourceLocation), id: (Value, SourceLocation)?, name: (Value, SourceLocation)?,
                                at location: SourceLocation) throws(Diagnostic) -> Written {
        guard let toText = Interpolation.text(of: to.0.revealed.value), !to.0.revealed.isSensitive else {
            throw Diagnostic.error(to.1, "to must be text that is not sensitive (a key, or set/key), not a \(to.0.typeName)")
        }
        let source: ImportEntry.Source
        switch (id, name) {
        case (let (value, idLocation)?, nil):
            source = .id(try taskId(value.revealed.value, at: idLocation))
        case (nil, let (value, nameLocation)?):
            guard let text = Interpolation.text(of: value.revealed.value), !text.isEmpty else {
                throw Diagnostic.error(nameLocation, "name must be a task's Name as text, not a \(value.typeName)")
            }
            source = .name(text)
        default:
            throw Diagnostic.error(location, "an import entry names its task by exactly one of id and name")
        }
        return Written(to: toText, source: source, location: location, toLocation: to.1)
    }

    private static func taskId(_ value: Value, at location: SourceLocation) throws(Diagnostic) -> Int32 {
        let number: Int64?
        switch value {
        case .int(let int): number = int
        case .string(let text): number = Int64(text)
        default: number = nil
        }
        guard let number, number >= 1, let id = Int32(exactly: number) else {
            throw Diagnostic.error(location, "id must be a task id, a whole number from 1 to \(Int32.max), not \(value.typeName == "string" ? "'\(Interpolation.text(of: value) ?? "")'" : "a \(value.typeName)")")
        }
        return id
    }
}
