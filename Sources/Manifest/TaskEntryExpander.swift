import BatchTask
import DesiredTasks
import Diagnostics
import Expressions
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
    struct Compiled: Sendable {
        var key: FieldTree
        var when: FieldTree?
        var fields: [(field: BatchTaskField, tree: FieldTree)]
        var layers: [BatchTaskField: [Origin]]
        var dependsOn: [FieldTree]
        var lifecycle: [(key: Lifecycle.Key, tree: FieldTree)]
        var run: [RunSetting]
        var matrix: Matrix
    }

    /// One setting of a `run` block, compiled; `textShift` as in `RunPolicyReader.Setting`.
    struct RunSetting: Sendable {
        var key: RunPolicy.Key
        var tree: FieldTree
        var textShift: Int?
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
        keys.reserveCapacity(keys.count + total)
        let sourceLocation = entry.location
        let evaluator = CombinationEvaluator(
            compiled: compiled, setName: setName, addressPrefix: setName + "/", entryLocation: sourceLocation)
        // Combinations are independent: evaluate a block of them on every core, then check keys and collect in
        // order. Blocks keep the intermediate results small next to the tasks themselves.
        var block: [[Value?]] = []
        let blockSize = 16_384
        block.reserveCapacity(min(total, blockSize))
        func flush() {
            // Each outcome is moved out of the block's results, not copied: copying 100,000 tasks and then
            // releasing the originals was a good part of this serial step.
            var outcomes = Parallel.map(block) { Optional(evaluator.evaluate($0)) }
            for index in outcomes.indices {
                guard let outcome = outcomes[index].take() else { continue }
                collect(outcome, slots: block[index], matrix: matrix, compiled: compiled, into: &tasks,
                        dependencies: &dependencies, keys: &keys, explanation: &explanation)
            }
            block.removeAll(keepingCapacity: true)
        }
        matrix.forEachCombination { slots in
            block.append(slots)
            if block.count == blockSize { flush() }
        }
        flush()
    }

    /// Adds one combination's outcome: its task unless its key is taken, or its errors.
    private func collect(_ outcome: consuming CombinationEvaluator.Outcome, slots: [Value?], matrix: Matrix, compiled: Compiled,
                         into tasks: inout [DesiredTask], dependencies: inout [[DependencyReference]],
                         keys: inout [String: (location: SourceLocation, slots: [Value?])], explanation: inout Explanation?) {
        let sourceLocation = entry.location
        switch consume outcome {
        case .dropped:
            return
        case .failed(let errors):
            for error in errors { diagnostics.add(error) }
        case .task(let task, let references):
            if let first = keys[task.key] {
                let firstMatrix = first.slots.isEmpty ? "" : " (matrix: \(matrix.describe(first.slots) ?? ""))"
                diagnostics.error(sourceLocation, "duplicate key '\(task.key)' in set '\(setName)'\(matrix.describe(slots).map { " (matrix: \($0))" } ?? "")",
                                  notes: ["first made at \(first.location)\(firstMatrix)"])
                return
            }
            keys[task.key] = (sourceLocation, slots)
            if options.explain == task.address {
                let context = EvaluationContext(slots: slots, taskKey: task.key, taskAddress: task.address)
                explanation = ExplanationRecorder.explanation(task: task, compiled: compiled, context: context, setExpander: setExpander)
            }
            tasks.append(task)
            dependencies.append(references)
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
        var taskRun: [(Layer, Node)] = []
        var templateRuns: [(Layer, Node)] = []
        var ownFields: [(BatchTaskField, Node)] = []
        for pair in pairs {
            guard let name = pair.key.scalar?.text else {
                diagnostics.error(pair.key.location, "field names are text")
                continue
            }
            guard let control = ControlKey(rawValue: name) else {
                if let field = FieldTyping.field(named: name, at: pair.key.location, allowed: ControlKey.names, diagnostics: diagnostics) {
                    ownFields.append((field, pair.value))
                }
                continue
            }
            switch control {
            case .key: keyNode = pair.value
            case .when: whenNode = pair.value
            case .extends: extendsNode = pair.value
            case .matrix: matrixNode = pair.value
            case .dependsOn: dependsOnNode = pair.value
            case .lifecycle: taskLifecycle.append((.task, pair.value))
            case .run: taskRun.append((.task, pair.value))
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
            var fieldCompiler = compiler(layer, fieldScope)
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
        /// The settings of blocks such as `lifecycle` and `run`, templates' first: a later setting of a key
        /// replaces an earlier one. Each with the node its value is written in.
        func settings<Key: Equatable>(of blocks: [(Layer, Node)], block: String, names: [String],
                                      _ key: (String) -> Key?) -> [(key: Key, tree: FieldTree, node: Node)] {
            var settings: [(key: Key, tree: FieldTree, node: Node)] = []
            for (layer, node) in blocks {
                guard let entries = node.mappingPairs else {
                    diagnostics.error(node.location, "\(block) is a mapping: {\(names.joined(separator: ", "))}")
                    continue
                }
                for pair in entries {
                    let name = pair.key.scalar?.text ?? ""
                    guard let found = key(name) else {
                        diagnostics.error(pair.key.location, "unknown \(block) setting '\(name)'\(Suggestion.hint(for: name, in: names)) (known: \(names.joined(separator: ", ")))")
                        continue
                    }
                    if let tree = compiler(layer, fieldScope).compile(pair.value) {
                        settings.removeAll { $0.key == found }
                        settings.append((found, tree, pair.value))
                    }
                }
            }
            return settings
        }
        let lifecycle = settings(of: templateLifecycles + taskLifecycle, block: "lifecycle", names: Lifecycle.keyNames,
                                 Lifecycle.Key.init(rawValue:)).map { (key: $0.key, tree: $0.tree) }
        let run = settings(of: templateRuns + taskRun, block: "run", names: RunPolicy.keyNames, RunPolicy.Key.init(rawValue:))
            .map { RunSetting(key: $0.key, tree: $0.tree, textShift: Self.textShift(of: $0.node)) }
        return Compiled(
            key: key, when: when, fields: fields.sorted { $0.key.order < $1.key.order }.map { ($0.key, $0.value) },
            layers: layers, dependsOn: dependsOn, lifecycle: lifecycle, run: run, matrix: matrix)
    }

}

extension TaskEntryExpander {
    /// How many columns after a scalar node its text starts, for a scalar on one line without expressions (0 plain,
    /// 1 quoted); nil where a position inside the text cannot be told from the node's.
    static func textShift(of node: Node) -> Int? {
        guard let scalar = node.scalar, !scalar.text.contains("${"), !scalar.text.contains("\n") else { return nil }
        switch scalar.style {
        case .plain: return 0
        case .singleQuoted, .doubleQuoted: return scalar.text.contains(where: { $0 == "\\" || $0 == "'" || $0 == "\t" }) ? nil : 1
        case .literal, .folded: return nil
        }
    }
}

extension Lifecycle {
    /// The settings' names in the order messages list them.
    static let keyNames = Key.allCases.map(\.rawValue)
}

extension BatchTaskField {
    /// Position in the API's property order.
    var order: Int { BatchTaskField.allCases.firstIndex(of: self) ?? 0 }
}
