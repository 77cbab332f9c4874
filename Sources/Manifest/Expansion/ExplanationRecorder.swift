import DesiredTasks
import Diagnostics
import Expressions
import JSON

/// Makes the `explain` record of one task: where each field came from, read off its compiled entry.
enum ExplanationRecorder {
    typealias Input = Explanation.Input
    typealias Field = Explanation.Field

    static func explanation(task: DesiredTask, compiled: TaskEntryExpander.Compiled, context: EvaluationContext, setExpander: SetExpander) -> Explanation {
        let matrix = compiled.matrix
        var matrixInputs: [Input] = []
        for (i, name) in matrix.slotNames.enumerated() {
            guard i < context.slots.count, let value = context.slots[i] else { continue }
            let origin = i < matrix.axes.count ? "matrix axis at \(matrix.axes[i].location)" : "matrix include entry"
            matrixInputs.append(Input(name: name, value: value.redacted, origin: origin))
        }
        var fields: [Field] = []
        for (field, tree) in compiled.fields {
            let earlier = (compiled.layers[field] ?? []).dropLast().map { "\($0.layer) at \($0.location)" }
            walk(path: field.rawValue, tree: tree, overrides: Array(earlier), context: context, matrix: matrix, setExpander: setExpander, into: &fields)
        }
        let inputs = setExpander.inputNames.compactMap { declaredInput(named: $0, setExpander: setExpander) }
        return Explanation(address: task.address, source: task.source, matrix: matrixInputs, fields: fields, inputs: inputs)
    }

    /// One declared input of the set: its value, and its type, description and source in `origin`.
    private static func declaredInput(named name: String, setExpander: SetExpander) -> Input? {
        guard let declaration = setExpander.inputs[name], let definition = setExpander.varDefinitions[name] else { return nil }
        let value = (try? setExpander.varScope.lookUpVar(name, 0))??.redacted ?? .null
        var origin = "\(declaration.type)" + (declaration.isSensitive ? ", sensitive" : "")
        if let description = declaration.description { origin += ": \(description)" }
        origin += "; " + source(of: definition, what: "from")
        return Input(name: name, value: value, origin: origin)
    }

    /// "set by --var n (overriding ...)": where a var's value came from and what it replaced.
    private static func source(of definition: VarTable.Definition, what: String) -> String {
        var text = "\(what) \(definition.source)"
        if !definition.overrides.isEmpty {
            text += " (overriding \(definition.overrides.map(\.description).joined(separator: ", ")))"
        }
        return text
    }

    private static func walk(path: String, tree: FieldTree, overrides: [String], context: EvaluationContext,
                             matrix: Matrix, setExpander: SetExpander, into fields: inout [Field]) {
        let atRun = tree.usesRun
        let value = atRun ? .string(DesiredTask.runTimeMarker) : (try? tree.evaluate(context))?.redacted ?? .null
        switch tree {
        case .map(let entries, _) where !entries.isEmpty && entries.allSatisfy({ $0.key.constantText != nil }):
            for entry in entries {
                walk(path: "\(path).\(entry.key.constantText ?? "")", tree: entry.value, overrides: [], context: context,
                     matrix: matrix, setExpander: setExpander, into: &fields)
            }
        case .template(let template, let origin):
            var inputs = template.references.compactMap { input(named: $0, context: context, matrix: matrix, setExpander: setExpander) }
            let secret = (try? tree.evaluate(atRun ? sample(context) : context))?.containsSensitive ?? true
            if secret {
                // The inputs of a secret are as secret as the result (an environment variable, say).
                inputs = inputs.map { Input(name: $0.name, value: .string(Value.sensitiveMarker), origin: $0.origin) }
            }
            fields.append(Field(path: path, value: value, layer: origin.layer.description, location: origin.location,
                                expression: secret ? nil : template.source, inputs: inputs, overrides: overrides))
        case .merge(let layers):
            let names = layers.compactMap { $0.origin.map { "\($0.layer) at \($0.location)" } }
            fields.append(Field(path: path, value: value, layer: "merged at evaluation from " + names.joined(separator: ", "),
                                location: tree.origin?.location, expression: nil, inputs: [], overrides: overrides))
        default:
            let origin = tree.origin
            fields.append(Field(path: path, value: value, layer: origin?.layer.description ?? "value",
                                location: origin?.location, expression: nil, inputs: [], overrides: overrides))
        }
    }

    /// `context` with stand-in values of `run.*`, to tell whether a field that uses them is sensitive.
    private static func sample(_ context: EvaluationContext) -> EvaluationContext {
        var context = context
        context.run = RunValues(slot: "2000-01-01T00:00:00Z", previousSlot: nil, lastSucceededSlot: nil, attempt: 1)
        return context
    }

    private static func input(named name: String, context: EvaluationContext, matrix: Matrix, setExpander: SetExpander) -> Input? {
        if let slot = matrix.slots[name], slot < context.slots.count, let value = context.slots[slot] {
            let origin = slot < matrix.axes.count ? "matrix axis at \(matrix.axes[slot].location)" : "matrix include entry"
            return Input(name: name, value: value.redacted, origin: origin)
        }
        if name.hasPrefix("env.") {
            let variable = String(name.dropFirst(4))
            let value: JSONValue = setExpander.options.environment[variable].map { .string($0) } ?? .null
            return Input(name: name, value: value, origin: "environment")
        }
        switch name {
        case "setExpander.name": return Input(name: name, value: .string(setExpander.name ?? ""), origin: "the set's metadata.name")
        case "task.key": return Input(name: name, value: .string(context.taskKey ?? ""), origin: "the task's key")
        case "task.address": return Input(name: name, value: .string(context.taskAddress ?? ""), origin: "the task's address")
        case _ where name.hasPrefix("run."):
            return Input(name: name, value: .string(DesiredTask.runTimeMarker), origin: "the run, when it starts")
        default: break
        }
        guard let definition = setExpander.varDefinitions[name] else { return nil }
        let value = (try? setExpander.varScope.lookUpVar(name, 0))??.redacted ?? .null
        let kind = setExpander.inputs[name].map { "input (\($0.type))" } ?? "var"
        return Input(name: name, value: value, origin: "\(kind), " + source(of: definition, what: "set by"))
    }
}
