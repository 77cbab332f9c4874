import BatchTask
import DesiredTasks
import Diagnostics
import Expressions
import JSON
import State

/// Evaluates one task entry for one matrix combination. Pure and Sendable, so combinations run in parallel.
struct CombinationEvaluator: Sendable {
    enum Outcome: Sendable {
        /// The task, what it depends on, and warnings about it.
        case task(DesiredTask, [DependencyReference], [Diagnostic])
        /// `when` was false.
        case dropped
        case failed([Diagnostic])
    }

    private(set) var compiled: TaskEntryExpander.Compiled
    private(set) var setName: String
    private(set) var addressPrefix: String
    private(set) var entryLocation: SourceLocation
    /// The lifecycle when no setting depends on the task (the usual case): evaluated once.
    let constantLifecycle: Lifecycle?
    /// The run policy when no setting depends on the task: evaluated once.
    let constantRun: RunPolicyReader.Reading?
    /// The fields evaluated now: all of them, unless some use `${run.*}`.
    private(set) var fieldsNow: [(field: BatchTaskField, tree: FieldTree)] = []
    /// The fields that use `${run.*}`, evaluated when a run starts; empty for most entries.
    private(set) var fieldsAtRun: [(field: BatchTaskField, tree: FieldTree)] = []

    init(compiled: TaskEntryExpander.Compiled, setName: String, addressPrefix: String, entryLocation: SourceLocation) {
        self.compiled = compiled
        self.setName = setName
        self.addressPrefix = addressPrefix
        self.entryLocation = entryLocation
        var constant = Lifecycle()
        var isConstant = true
        for (key, tree) in compiled.lifecycle {
            guard let value = tree.constantValue, (try? Self.apply(key, value.revealed.value, to: &constant, at: entryLocation)) != nil else {
                isConstant = false
                break
            }
        }
        self.constantLifecycle = isConstant ? constant : nil
        var constantRun: RunPolicyReader.Reading?
        if compiled.run.allSatisfy({ $0.tree.constantValue != nil }) {
            constantRun = try? Self.runPolicy(compiled.run, entryLocation: entryLocation) { $0.constantValue ?? .null }
        }
        self.constantRun = constantRun
        splitFields()
    }

    /// Sorts the compiled fields into those evaluated now and those that wait for a run.
    private mutating func splitFields() {
        let atRun = compiled.fields.filter { $0.tree.usesRun }
        fieldsAtRun = atRun
        fieldsNow = atRun.isEmpty ? compiled.fields : compiled.fields.filter { !$0.tree.usesRun }
    }

    /// A copy that shares no reference-counted storage with this one, for one worker of a parallel expansion (see
    /// `String.isolatedCopy`). The matrix and the layers are left shared: only errors and `explain` read them.
    func isolatedCopy() -> CombinationEvaluator {
        var copy = self
        copy.compiled.key = compiled.key.isolatedCopy
        copy.compiled.when = compiled.when?.isolatedCopy
        copy.compiled.fields = compiled.fields.map { ($0.field, $0.tree.isolatedCopy) }
        copy.compiled.dependsOn = compiled.dependsOn.map(\.isolatedCopy)
        copy.compiled.lifecycle = compiled.lifecycle.map { ($0.key, $0.tree.isolatedCopy) }
        copy.compiled.run = compiled.run.map { setting in
            var setting = setting
            setting.tree = setting.tree.isolatedCopy
            return setting
        }
        copy.setName = setName.isolatedCopy
        copy.addressPrefix = addressPrefix.isolatedCopy
        copy.entryLocation = entryLocation.isolatedCopy
        copy.splitFields()
        return copy
    }

    func evaluate(_ slots: [Value?]) -> Outcome {
        var context = EvaluationContext(slots: slots, taskKey: nil, taskAddress: nil)
        do throws(Diagnostic) {
            let key = try evaluateKey(context)
            if let when = compiled.when, !(try evaluateCondition(when, context)) { return .dropped }
            let address = addressPrefix + key
            context.taskKey = key
            context.taskAddress = address
            var info = BatchTaskInfo()
            var redactions: [BatchTaskField: JSONValue] = [:]
            var errors: [Diagnostic] = []
            for (field, tree) in fieldsNow {
                // Each field is checked on its own, so one run reports every bad field of the task.
                do throws(Diagnostic) {
                    let value = try tree.evaluate(context)
                    try FieldTyping.assign(field, value, at: tree.origin?.location ?? entryLocation, tree: tree, to: &info, redactions: &redactions)
                } catch {
                    errors.append(error)
                }
            }
            if info.parameterObject != nil {
                // api.md v3: the server serializes ParameterObject to a blob and links it through these two fields,
                // whatever the request said.
                for (field, tree) in compiled.fields where field.isLinkToParameterBlob && info.has(field) {
                    errors.append(Diagnostic.error(tree.origin?.location ?? entryLocation,
                        "\(field.rawValue) cannot be set beside a ParameterObject: the server stores the ParameterObject as a blob and links it through DetailsTable and DetailsRecord, whatever the request says; remove \(field.rawValue), or put its value into the ParameterObject"))
                }
            }
            if !errors.isEmpty { return .failed(errors) }
            var references: [DependencyReference] = []
            for tree in compiled.dependsOn {
                try dependencyReferences(tree, context, into: &references)
            }
            let lifecycle: Lifecycle
            if let constantLifecycle { lifecycle = constantLifecycle } else { lifecycle = try evaluateLifecycle(context) }
            let run: RunPolicyReader.Reading
            if let constantRun {
                run = constantRun
            } else {
                run = try Self.runPolicy(compiled.run, entryLocation: entryLocation) { tree throws(Diagnostic) in
                    try tree.evaluate(context)
                }
            }
            var task = DesiredTask(setName: setName, key: key, address: address, source: entryLocation, info: info,
                                   redactions: redactions, dependsOn: [], lifecycle: lifecycle, run: run.policy)
            if !fieldsAtRun.isEmpty { task.runTime = runTimeFields(context) }
            return .task(task, references, run.warnings)
        } catch {
            return .failed([error])
        }
    }

    /// The fields that use `${run.*}`, evaluated for each run over this combination's names.
    private func runTimeFields(_ context: EvaluationContext) -> RunTimeFields {
        let trees = fieldsAtRun
        let entryLocation = entryLocation
        var templates = trees.map { "\($0.field.rawValue)=\($0.tree.templateText)" }
        templates.append(context.slots.map { $0?.unwrapped.serialized() ?? "-" }.joined(separator: ","))
        return RunTimeFields(fields: trees.map(\.field), templates: templates.joined(separator: "\n")) { run, info, redactions throws(Diagnostic) in
            var context = context
            context.run = RunValues(slot: run.slot, previousSlot: run.previousSlot, lastSucceededSlot: run.lastSucceededSlot,
                                    attempt: run.attempt)
            for (field, tree) in trees {
                let value = try tree.evaluate(context)
                try FieldTyping.assign(field, value, at: tree.origin?.location ?? entryLocation, tree: tree, to: &info,
                                       redactions: &redactions)
            }
        }
    }

    private func evaluateKey(_ context: EvaluationContext) throws(Diagnostic) -> String {
        let tree = compiled.key
        let location = tree.origin?.location ?? entryLocation
        let (value, secret) = try tree.evaluate(context).revealed
        guard !secret else { throw Diagnostic.error(location, "a key cannot be sensitive: it is part of the address, shown in every output") }
        guard let key = Interpolation.text(of: value) else {
            throw Diagnostic.error(location, "key must be text, not a \(value.typeName)")
        }
        guard SetExpander.isValidKey(key) else {
            let matrixText = compiled.matrix.describe(context.slots).map { " (matrix: \($0))" } ?? ""
            throw Diagnostic.error(location, "invalid key '\(key)'\(matrixText): use 1 to 200 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
        }
        return key
    }

    private func evaluateCondition(_ tree: FieldTree, _ context: EvaluationContext) throws(Diagnostic) -> Bool {
        let (value, _) = try tree.evaluate(context).revealed
        guard case .bool(let b) = value else {
            throw Diagnostic.error(tree.origin?.location ?? entryLocation, "when must give true or false, not a \(value.typeName)")
        }
        return b
    }

    private func dependencyReferences(_ tree: FieldTree, _ context: EvaluationContext, into references: inout [DependencyReference]) throws(Diagnostic) {
        let location = tree.origin?.location ?? entryLocation
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

    private func evaluateLifecycle(_ context: EvaluationContext) throws(Diagnostic) -> Lifecycle {
        var lifecycle = Lifecycle()
        for (key, tree) in compiled.lifecycle {
            let value = try tree.evaluate(context).revealed.value
            try Self.apply(key, value, to: &lifecycle, at: tree.origin?.location ?? entryLocation)
        }
        return lifecycle
    }

    /// The run policy from the compiled settings, each evaluated by `value`.
    private static func runPolicy(_ settings: [TaskEntryExpander.RunSetting], entryLocation: SourceLocation,
                                  value: (FieldTree) throws(Diagnostic) -> Value) throws(Diagnostic) -> RunPolicyReader.Reading {
        var reader = RunPolicyReader()
        for setting in settings {
            let location = setting.tree.origin?.location ?? entryLocation
            try reader.read(RunPolicyReader.Setting(key: setting.key, retryKey: setting.retryKey, value: try value(setting.tree),
                                                    location: location, textShift: setting.tree.constantValue == nil ? nil : setting.textShift))
        }
        return try reader.finish()
    }

    /// Sets one lifecycle setting from its value, checking its type.
    private static func apply(_ key: Lifecycle.Key, _ value: Value, to lifecycle: inout Lifecycle, at location: SourceLocation) throws(Diagnostic) {
        switch key {
        case .preventDestroy, .createBeforeDestroy:
            guard case .bool(let b) = value else {
                throw Diagnostic.error(location, "\(key.rawValue) must be true or false, not a \(value.typeName)")
            }
            if key == .preventDestroy { lifecycle.preventDestroy = b } else { lifecycle.createBeforeDestroy = b }
        case .ignoreChanges:
            let items: [Value]
            if case .list(let list) = value { items = list } else if value == .null { items = [] } else { items = [value] }
            for item in items {
                guard case .string(let fieldName) = item.revealed.value, let field = BatchTaskField.named(fieldName) else {
                    let text = item.shortDescription
                    throw Diagnostic.error(location, "ignoreChanges lists field names; '\(text)' is not one\(Suggestion.hint(for: text, in: BatchTaskField.allCases.map(\.rawValue)))")
                }
                lifecycle.ignoreChanges.insert(field)
            }
        }
    }
}
