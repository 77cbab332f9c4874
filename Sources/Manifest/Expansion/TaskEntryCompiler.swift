import BatchTask
import DesiredTasks
import Diagnostics
import Expressions
import OrderedCollections
import YAML

/// Compiles one entry of a set's `tasks` list once: sorts its keys, merges defaults, templates and its own fields
/// layer by layer, and compiles every value against the names the entry sees (vars, matrix values, `task.*`).
struct TaskEntryCompiler {
    let setExpander: SetExpander
    let setName: String
    let entry: Node
    let pairs: [Node.Pair]
    let defaults: [Node.Pair]
    private var diagnostics: DiagnosticCollector { setExpander.diagnostics }

    /// Names in fields: vars, the matrix values and `task.*`.
    private var fieldScope: NameScope
    /// Names in the key: as in fields but `task.*`, which the key makes.
    private var keyScope: NameScope
    private var fields = OrderedDictionary<BatchTaskField, FieldTree>()
    private var layers: [BatchTaskField: [Origin]] = [:]
    private var templateLifecycles: [(Layer, Node)] = []
    private var templateRuns: [(Layer, Node)] = []

    init(setExpander: SetExpander, setName: String, entry: Node, pairs: [Node.Pair], defaults: [Node.Pair]) {
        self.setExpander = setExpander
        self.setName = setName
        self.entry = entry
        self.pairs = pairs
        self.defaults = defaults
        fieldScope = setExpander.varScope
        keyScope = setExpander.varScope
    }

    /// The entry's own keys, sorted: control keys by name, the rest as fields.
    private struct EntryNodes {
        var key: Node?
        var when: Node?
        var extends: Node?
        var matrix: Node?
        var dependsOn: Node?
        var lifecycle: [(Layer, Node)] = []
        var run: [(Layer, Node)] = []
        var fields: [(BatchTaskField, Node)] = []
    }

    /// The merged, compiled entry; nil after reporting an error that leaves nothing to expand.
    mutating func compile() -> TaskEntryExpander.Compiled? {
        let nodes = readEntry()
        guard let keyNode = nodes.key else {
            diagnostics.error(entry.location, "the task entry has no key; add key: my-task (the task's address is \(setName)/<key>)")
            return nil
        }
        guard case .scalar = keyNode.content else {
            diagnostics.error(keyNode.location, "key must be text, not \(keyNode.kindName)")
            return nil
        }
        guard let matrix = Matrix.read(nodes.matrix, scope: setExpander.varScope, diagnostics: diagnostics) else { return nil }
        fieldScope.slots = matrix.slots
        fieldScope.allowsTaskNames = true
        keyScope = fieldScope
        keyScope.allowsTaskNames = false
        keyScope.taskNamesUnavailableReason = "in key (the key makes the address)"

        for pair in defaults {
            guard let name = pair.key.scalar?.text,
                  let field = FieldTyping.field(named: name, at: pair.key.location, allowed: [], diagnostics: diagnostics)
            else { continue }
            add(field, pair.value, layer: .defaults)
        }
        if let extendsNode = nodes.extends { addTemplates(extendsNode) }
        for (field, node) in nodes.fields { add(field, node, layer: .task) }

        guard let key = compiler(.task, keyScope).compile(keyNode) else { return nil }
        let when = nodes.when.flatMap { compiler(.task, fieldScope).compile($0) }
        let dependsOn = compileDependsOn(nodes.dependsOn)
        let lifecycle = settings(of: templateLifecycles + nodes.lifecycle, block: "lifecycle", names: Lifecycle.keyNames,
                                 Lifecycle.Key.init(rawValue:))
        let run = runSettings(of: templateRuns + nodes.run)
        return TaskEntryExpander.Compiled(
            key: key, when: when, fields: fields.sorted { $0.key.order < $1.key.order }.map { ($0.key, $0.value) },
            layers: layers, dependsOn: dependsOn, lifecycle: lifecycle, run: run, matrix: matrix)
    }

    private func readEntry() -> EntryNodes {
        var nodes = EntryNodes()
        for pair in pairs {
            guard let name = pair.key.scalar?.text else {
                diagnostics.error(pair.key.location, "field names are text")
                continue
            }
            guard let control = ControlKey(rawValue: name) else {
                if let field = FieldTyping.field(named: name, at: pair.key.location, allowed: ControlKey.names, diagnostics: diagnostics) {
                    nodes.fields.append((field, pair.value))
                }
                continue
            }
            switch control {
            case .key: nodes.key = pair.value
            case .when: nodes.when = pair.value
            case .extends: nodes.extends = pair.value
            case .matrix: nodes.matrix = pair.value
            case .dependsOn: nodes.dependsOn = pair.value
            case .lifecycle: nodes.lifecycle.append((.task, pair.value))
            case .run: nodes.run.append((.task, pair.value))
            }
        }
        return nodes
    }

    private func compiler(_ layer: Layer, _ scope: NameScope) -> TreeCompiler {
        TreeCompiler(scope: scope, layer: layer, foldsConstants: setExpander.options.explain == nil, diagnostics: diagnostics)
    }

    /// Merges `node` into `field` as its next layer; an explicit null clears what earlier layers gave it.
    private mutating func add(_ field: BatchTaskField, _ node: Node, layer: Layer) {
        var scope = fieldScope
        scope.allowsRunNames = true  // a field is evaluated again when a run starts
        var fieldCompiler = compiler(layer, scope)
        fieldCompiler.keepsScalarText = field == .parameterObject || field.valueType == .string
        guard let tree = fieldCompiler.compile(node) else { return }
        layers[field, default: []].append(Origin(layer: layer, location: node.location))
        if tree.isExplicitNull {
            fields[field] = nil
        } else if let existing = fields[field] {
            fields[field] = FieldTree.merged(existing, tree)
        } else {
            fields[field] = tree
        }
    }

    /// The fields of the templates `extends` names, in order, and their `lifecycle` and `run` blocks.
    private mutating func addTemplates(_ extendsNode: Node) {
        for (templateName, template) in setExpander.templateLayers(for: extendsNode) {
            guard let templatePairs = template.mappingPairs else {
                diagnostics.error(template.location, "template '\(templateName)' must be a mapping of fields")
                continue
            }
            for pair in templatePairs {
                guard let name = pair.key.scalar?.text else { continue }
                guard let control = ControlKey(rawValue: name) else {
                    if let field = FieldTyping.field(named: name, at: pair.key.location, allowed: ControlKey.templateNames, diagnostics: diagnostics) {
                        add(field, pair.value, layer: .template(templateName))
                    }
                    continue
                }
                switch control {
                case .extends: continue
                case .lifecycle: templateLifecycles.append((.template(templateName), pair.value))
                case .run: templateRuns.append((.template(templateName), pair.value))
                case .key, .matrix, .when, .dependsOn:
                    diagnostics.error(pair.key.location, "'\(name)' belongs on a task, not in template '\(templateName)'")
                }
            }
        }
    }

    /// `dependsOn`: one address or pattern, or a list of them.
    private func compileDependsOn(_ node: Node?) -> [FieldTree] {
        guard let node else { return [] }
        let items: [Node]
        if case .sequence(let list) = node.content { items = list } else { items = [node] }
        return items.compactMap { compiler(.task, fieldScope).compile($0) }
    }

    /// The settings of blocks such as `lifecycle`, templates' first: a later setting of a key replaces an earlier one.
    private func settings<Key: Equatable>(of blocks: [(Layer, Node)], block: String, names: [String],
                                          _ key: (String) -> Key?) -> [(key: Key, tree: FieldTree)] {
        var settings: [(key: Key, tree: FieldTree)] = []
        for entry in entries(of: blocks, block: block, names: names, key) {
            if let tree = compiler(entry.layer, fieldScope).compile(entry.value) {
                settings.removeAll { $0.key == entry.key }
                settings.append((entry.key, tree))
            }
        }
        return settings
    }

    /// The settings of the `run` blocks, as `settings(of:)` reads them, but `retry` written as a mapping is read
    /// key by key: a task changes one retry setting of its template's, and an error points at the value at fault.
    private func runSettings(of blocks: [(Layer, Node)]) -> [TaskEntryExpander.RunSetting] {
        var settings: [TaskEntryExpander.RunSetting] = []
        func add(_ key: RunPolicy.Key, _ retryKey: RetryKey?, _ node: Node, _ layer: Layer) {
            guard let tree = compiler(layer, fieldScope).compile(node) else { return }
            // `retry` as one value (an expression) replaces every retry setting before it.
            settings.removeAll { $0.key == key && (retryKey == nil || $0.retryKey == retryKey) }
            settings.append(TaskEntryExpander.RunSetting(key: key, retryKey: retryKey, tree: tree,
                                                         textShift: TaskEntryExpander.textShift(of: node)))
        }
        for entry in entries(of: blocks, block: "run", names: RunPolicy.keyNames, RunPolicy.Key.init(rawValue:)) {
            guard entry.key == .retry, let pairs = entry.value.mappingPairs else {
                add(entry.key, nil, entry.value, entry.layer)
                continue
            }
            for pair in pairs {
                let name = pair.key.scalar?.text ?? ""
                guard let retryKey = RetryKey(rawValue: name) else {
                    diagnostics.error(pair.key.location, RetryKey.unknown(name))
                    continue
                }
                add(.retry, retryKey, pair.value, entry.layer)
            }
        }
        return settings
    }

    /// The entries of blocks such as `lifecycle` and `run` in order, each with its layer and the node its value is
    /// written in; a block that is not a mapping and an unknown setting are reported and left out.
    private func entries<Key>(of blocks: [(Layer, Node)], block: String, names: [String],
                              _ key: (String) -> Key?) -> [(layer: Layer, key: Key, value: Node)] {
        var entries: [(layer: Layer, key: Key, value: Node)] = []
        for (layer, node) in blocks {
            guard let pairs = node.mappingPairs else {
                diagnostics.error(node.location, "\(block) is a mapping: {\(names.joined(separator: ", "))}")
                continue
            }
            for pair in pairs {
                let name = pair.key.scalar?.text ?? ""
                guard let found = key(name) else {
                    diagnostics.error(pair.key.location, "unknown \(block) setting '\(name)'\(Suggestion.hint(for: name, in: names)) (known: \(names.joined(separator: ", ")))")
                    continue
                }
                entries.append((layer, found, pair.value))
            }
        }
        return entries
    }
}
