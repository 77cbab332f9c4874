import BatchTask
import Diagnostics
import JSON
import OrderedCollections
import YAML

/// Expands one entry of a set's `tasks` list: merges its layers once, then evaluates them per matrix combination.
struct TaskEntryExpander {
    let setExpander: SetExpander
    let setName: String
    let entry: Node
    let pairs: [Node.Pair]
    let defaults: [Node.Pair]
    private var diagnostics: DiagnosticCollector { setExpander.diagnostics }

    init(setExpander: SetExpander, setName: String, entry: Node, pairs: [Node.Pair], defaults: [Node.Pair]) {
        self.setExpander = setExpander
        self.setName = setName
        self.entry = entry
        self.pairs = pairs
        self.defaults = defaults
    }

    /// The merged, compiled definition of the entry.
    struct Compiled {
        var key: FieldTree
        var when: FieldTree?
        var fields: [(field: BatchTaskField, tree: FieldTree)]
        var layers: [BatchTaskField: [Origin]]
        var dependsOn: [FieldTree]
        var lifecycle: [(name: String, tree: FieldTree)]
        var matrix: Matrix
    }

    func expand(into tasks: inout [DesiredTask], dependencies: inout [[DependencyReference]],
                keys: inout [String: (location: SourceLocation, slots: [Value?])], explanation: inout Explanation?) {
        let errorsBefore = diagnostics.errorCount
        guard let compiled = compile(), diagnostics.errorCount == errorsBefore else { return }
        let matrix = compiled.matrix
        let total = matrix.combinationCount
        if total > options.maxTasks {
            diagnostics.error(matrix.location ?? entry.location,
                              "this task entry would expand to \(total) tasks, more than the limit of \(options.maxTasks); narrow the matrix, or raise the limit with --max-tasks")
            return
        }
        if let empty = matrix.axes.first(where: { $0.values.isEmpty }) {
            let outcome = matrix.includes.isEmpty ? "this entry gives no tasks" : "only its include entries give tasks"
            diagnostics.warning(empty.location, "matrix axis '\(empty.name)' is empty, so \(outcome)")
        }
        tasks.reserveCapacity(tasks.count + total)
        let sourceLocation = entry.location
        let constantLifecycle = (try? evaluateLifecycle(
            compiled.lifecycle, context: EvaluationContext(slots: [], taskKey: nil, taskAddress: nil), quiet: true)) ?? nil
        matrix.forEachCombination { slots in
            var context = EvaluationContext(slots: slots, taskKey: nil, taskAddress: nil)
            do throws(Diagnostic) {
                let key = try evaluateKey(compiled.key, context, matrix: matrix)
                if let when = compiled.when, !(try evaluateCondition(when, context)) { return }
                let address = "\(setName)/\(key)"
                if let first = keys[key] {
                    let firstMatrix = first.slots.isEmpty ? "" : " (matrix: \(matrix.describe(first.slots) ?? ""))"
                    throw Diagnostic.error(sourceLocation, "duplicate key '\(key)' in set '\(setName)'\(matrix.describe(slots).map { " (matrix: \($0))" } ?? "")",
                                           notes: ["first made at \(first.location)\(firstMatrix)"])
                }
                keys[key] = (sourceLocation, slots)
                context.taskKey = key
                context.taskAddress = address
                var info = BatchTaskInfo()
                var redactions: [BatchTaskField: JSONValue] = [:]
                var fieldsFailed = false
                for (field, tree) in compiled.fields {
                    // Each field is checked on its own, so one run reports every bad field of the task.
                    do throws(Diagnostic) {
                        let value = try tree.evaluate(context)
                        try FieldTyping.assign(field, value, at: tree.origin?.location ?? sourceLocation, to: &info, redactions: &redactions)
                    } catch {
                        diagnostics.add(error)
                        fieldsFailed = true
                    }
                }
                if fieldsFailed { return }
                var references: [DependencyReference] = []
                for tree in compiled.dependsOn {
                    try dependencyReferences(tree, context, into: &references)
                }
                var lifecycle = constantLifecycle ?? Lifecycle()
                if constantLifecycle == nil, let computed = try evaluateLifecycle(compiled.lifecycle, context: context, quiet: false) {
                    lifecycle = computed
                }
                let task = DesiredTask(
                    setName: setName, key: key, address: address, source: sourceLocation, info: info,
                    redactions: redactions, dependsOn: [], lifecycle: lifecycle)
                if options.explain == address {
                    explanation = Explanation.make(task: task, compiled: compiled, context: context, setExpander: setExpander)
                }
                tasks.append(task)
                dependencies.append(references)
            } catch {
                diagnostics.add(error)
            }
        }
    }

    private var options: ManifestOptions { setExpander.options }

    // MARK: - Compiling the entry

    private func compile() -> Compiled? {
        var keyNode: Node?
        var whenNode: Node?
        var extendsNode: Node?
        var matrixNode: Node?
        var dependsOnNode: Node?
        var taskLifecycle: [(Layer, Node)] = []
        var templateLifecycles: [(Layer, Node)] = []
        var ownFields: [(BatchTaskField, Node)] = []
        for pair in pairs {
            guard let name = pair.key.scalar?.text else {
                diagnostics.error(pair.key.location, "field names are text")
                continue
            }
            switch name {
            case "key": keyNode = pair.value
            case "when": whenNode = pair.value
            case "extends": extendsNode = pair.value
            case "matrix": matrixNode = pair.value
            case "dependsOn": dependsOnNode = pair.value
            case "lifecycle": taskLifecycle.append((.task, pair.value))
            default:
                if let field = FieldTyping.field(named: name, at: pair.key.location, allowed: SetExpander.controlKeys, diagnostics: diagnostics) {
                    ownFields.append((field, pair.value))
                }
            }
        }
        guard let keyNode else {
            diagnostics.error(entry.location, "the task entry has no key; add key: my-task (the task's address is \(setName)/<key>)")
            return nil
        }
        guard case .scalar = keyNode.content else {
            diagnostics.error(keyNode.location, "key must be text, not \(keyNode.kindName)")
            return nil
        }
        guard let matrix = Matrix.read(matrixNode, scope: setExpander.varScope, diagnostics: diagnostics) else { return nil }

        var fieldScope = setExpander.varScope
        fieldScope.slots = matrix.slots
        fieldScope.allowsTaskNames = true
        var keyScope = fieldScope
        keyScope.allowsTaskNames = false
        keyScope.taskNamesUnavailableReason = "in key (the key makes the address)"
        let folds = options.explain == nil
        func compiler(_ layer: Layer, _ scope: NameScope) -> TreeCompiler {
            TreeCompiler(scope: scope, layer: layer, foldsConstants: folds, diagnostics: diagnostics)
        }

        var fields = OrderedDictionary<BatchTaskField, FieldTree>()
        var layers: [BatchTaskField: [Origin]] = [:]
        func add(_ field: BatchTaskField, _ node: Node, layer: Layer) {
            guard let tree = compiler(layer, fieldScope).compile(node) else { return }
            layers[field, default: []].append(Origin(layer: layer, location: node.location))
            if tree.isExplicitNull {
                fields[field] = nil
            } else if let existing = fields[field] {
                fields[field] = FieldTree.merged(existing, tree)
            } else {
                fields[field] = tree
            }
        }
        for pair in defaults {
            guard let name = pair.key.scalar?.text,
                  let field = FieldTyping.field(named: name, at: pair.key.location, allowed: [], diagnostics: diagnostics)
            else { continue }
            add(field, pair.value, layer: .defaults)
        }
        if let extendsNode {
            for (templateName, template) in setExpander.templateLayers(for: extendsNode) {
                guard let templatePairs = template.mappingPairs else {
                    diagnostics.error(template.location, "template '\(templateName)' must be a mapping of fields")
                    continue
                }
                for pair in templatePairs {
                    guard let name = pair.key.scalar?.text else { continue }
                    switch name {
                    case "extends": continue
                    case "lifecycle": templateLifecycles.append((.template(templateName), pair.value))
                    case "key", "matrix", "when", "dependsOn":
                        diagnostics.error(pair.key.location, "'\(name)' belongs on a task, not in template '\(templateName)'")
                    default:
                        if let field = FieldTyping.field(named: name, at: pair.key.location, allowed: ["extends", "lifecycle"], diagnostics: diagnostics) {
                            add(field, pair.value, layer: .template(templateName))
                        }
                    }
                }
            }
        }
        for (field, node) in ownFields { add(field, node, layer: .task) }

        guard let key = compiler(.task, keyScope).compile(keyNode) else { return nil }
        let when = whenNode.flatMap { compiler(.task, fieldScope).compile($0) }
        var dependsOn: [FieldTree] = []
        if let dependsOnNode {
            let items: [Node]
            if case .sequence(let list) = dependsOnNode.content { items = list } else { items = [dependsOnNode] }
            for item in items {
                if let tree = compiler(.task, fieldScope).compile(item) { dependsOn.append(tree) }
            }
        }
        var lifecycle: [(name: String, tree: FieldTree)] = []
        for (layer, node) in templateLifecycles + taskLifecycle {
            guard let entries = node.mappingPairs else {
                diagnostics.error(node.location, "lifecycle is a mapping: {preventDestroy, ignoreChanges, createBeforeDestroy}")
                continue
            }
            for pair in entries {
                let name = pair.key.scalar?.text ?? ""
                guard Lifecycle.keys.contains(name) else {
                    diagnostics.error(pair.key.location, "unknown lifecycle setting '\(name)'\(Suggestion.hint(for: name, in: Lifecycle.keys)) (known: \(Lifecycle.keys.joined(separator: ", ")))")
                    continue
                }
                if let tree = compiler(layer, fieldScope).compile(pair.value) {
                    lifecycle.removeAll { $0.name == name }
                    lifecycle.append((name, tree))
                }
            }
        }
        return Compiled(
            key: key, when: when, fields: fields.sorted { $0.key.order < $1.key.order }.map { ($0.key, $0.value) },
            layers: layers, dependsOn: dependsOn, lifecycle: lifecycle, matrix: matrix)
    }

    // MARK: - Per task

    private func evaluateKey(_ tree: FieldTree, _ context: EvaluationContext, matrix: Matrix) throws(Diagnostic) -> String {
        let location = tree.origin?.location ?? entry.location
        let (value, secret) = try tree.evaluate(context).revealed
        guard !secret else { throw Diagnostic.error(location, "a key cannot be sensitive: it is part of the address, shown in every output") }
        guard let key = Interpolation.text(of: value) else {
            throw Diagnostic.error(location, "key must be text, not a \(value.typeName)")
        }
        guard SetExpander.isValidKey(key) else {
            let matrixText = matrix.describe(context.slots).map { " (matrix: \($0))" } ?? ""
            throw Diagnostic.error(location, "invalid key '\(key)'\(matrixText): use 1 to 200 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        }
        return key
    }

    private func evaluateCondition(_ tree: FieldTree, _ context: EvaluationContext) throws(Diagnostic) -> Bool {
        let (value, _) = try tree.evaluate(context).revealed
        guard case .bool(let b) = value else {
            throw Diagnostic.error(tree.origin?.location ?? entry.location, "when must give true or false, not a \(value.typeName)")
        }
        return b
    }

    private func dependencyReferences(_ tree: FieldTree, _ context: EvaluationContext, into references: inout [DependencyReference]) throws(Diagnostic) {
        let location = tree.origin?.location ?? entry.location
        let (value, _) = try tree.evaluate(context).revealed
        let items: [Value]
        if case .list(let list) = value { items = list } else { items = [value] }
        for item in items {
            guard let text = Interpolation.text(of: item.revealed.value) else {
                throw Diagnostic.error(location, "dependsOn names keys or addresses as text, not a \(item.typeName)")
            }
            references.append(DependencyReference(text: text, location: location))
        }
    }

    /// The lifecycle for one task; with `quiet`, nil when any setting depends on the task (so it is evaluated per task).
    private func evaluateLifecycle(_ settings: [(name: String, tree: FieldTree)], context: EvaluationContext, quiet: Bool) throws(Diagnostic) -> Lifecycle? {
        var lifecycle = Lifecycle()
        for (name, tree) in settings {
            let location = tree.origin?.location ?? entry.location
            let value: Value
            if quiet {
                guard let constant = tree.constantValue else { return nil }
                value = constant.revealed.value
            } else {
                value = try tree.evaluate(context).revealed.value
            }
            switch name {
            case "preventDestroy", "createBeforeDestroy":
                guard case .bool(let b) = value else {
                    if quiet { return nil }
                    throw Diagnostic.error(location, "\(name) must be true or false, not a \(value.typeName)")
                }
                if name == "preventDestroy" { lifecycle.preventDestroy = b } else { lifecycle.createBeforeDestroy = b }
            default:
                let items: [Value]
                if case .list(let list) = value { items = list } else if value == .null { items = [] } else { items = [value] }
                for item in items {
                    guard case .string(let fieldName) = item.revealed.value, let field = BatchTaskField.named(fieldName) else {
                        if quiet { return nil }
                        let text = item.shortDescription
                        throw Diagnostic.error(location, "ignoreChanges lists field names; '\(text)' is not one\(Suggestion.hint(for: text, in: BatchTaskField.allCases.map(\.rawValue)))")
                    }
                    lifecycle.ignoreChanges.insert(field)
                }
            }
        }
        return lifecycle
    }
}

extension Lifecycle {
    static let keys = ["preventDestroy", "ignoreChanges", "createBeforeDestroy"]
}

extension BatchTaskField {
    /// Position in the API's property order.
    var order: Int { BatchTaskField.allCases.firstIndex(of: self) ?? 0 }
}
