import BatchTask
import DesiredTasks
import Diagnostics
import Expressions
import JSON
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
        /// As in `RunPolicyReader.Setting`.
        var retryKey: RetryKey?
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
            var outcomes = Parallel.map(block, chunkState: { evaluator.isolatedCopy() }) { evaluator, slots in
                Optional(evaluator.evaluate(slots))
            }
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
        case .task(let task, let references, let warnings):
            for warning in warnings { diagnostics.add(warning) }
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
            tasks.append(consume task)
            dependencies.append(references)
        }
    }

    private var options: ManifestOptions { setExpander.options }

    /// The merged, compiled definition of the entry; nil after an error.
    private func compile() -> Compiled? {
        var compiler = TaskEntryCompiler(setExpander: setExpander, setName: setName, entry: entry, pairs: pairs, defaults: defaults)
        return compiler.compile()
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
