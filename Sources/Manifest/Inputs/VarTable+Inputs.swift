import Diagnostics
import Expressions
import YAML

extension VarTable {
    /// Evaluates every declared input, so that a value is checked even where no task uses it, then runs the
    /// validation rules of those whose type is right. False when any input has an error (each is reported once).
    func checkInputs() -> Bool {
        var passed = true
        for name in inputNames {
            guard let input = inputs[name] else { continue }
            guard let definition = definitions[name] else {
                diagnostics.error(input.location, "input \(name) has no value: give it one with --var \(name)=VALUE, in a var file (--var-file, or the project's varFiles), as BATCHCTL_VAR_\(name), or in the environment's vars in the project file; or give the input a default")
                passed = false
                continue
            }
            guard let value = try? value(of: name, at: 0) else {
                passed = false
                continue
            }
            for validation in input.validations where !validate(value, input, validation, definition) {
                passed = false
                break
            }
        }
        return passed
    }

    /// A rule written in quotes (`rule: "${n >= 1}"`, as YAML needs for some expressions) is read as the
    /// expression it holds, not as text around one.
    private static func expression(_ rule: Node) -> Node {
        guard let scalar = rule.scalar, scalar.style == .singleQuoted || scalar.style == .doubleQuoted, rule.tag == nil,
              !scalar.text.contains("\n") else { return rule }
        return Node(content: .scalar(Scalar.plain(scalar.text)), location: rule.location.advanced(byColumns: 1))
    }

    /// Runs one rule; a rule that gives false is reported at the value, with the rule's message.
    private func validate(_ value: Value, _ input: InputDeclaration, _ validation: InputDeclaration.Validation,
                          _ definition: Definition) -> Bool {
        var ruleScope = scope
        ruleScope.allowsTaskNames = false
        ruleScope.taskNamesUnavailableReason = "in an input's validation rule (inputs belong to the set, not to one task)"
        let compiler = TreeCompiler(scope: ruleScope, layer: .value, foldsConstants: true, diagnostics: diagnostics)
        let before = diagnostics.errorCount
        guard let tree = compiler.compile(Self.expression(validation.rule)), diagnostics.errorCount == before else { return false }
        let result: Value
        do {
            result = try tree.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil))
        } catch {
            diagnostics.add(error)
            return false
        }
        guard case .bool(let holds) = result.revealed.value else {
            diagnostics.error(validation.rule.location, "a validation rule gives true or false, not \(result.typeName)")
            return false
        }
        if !holds {
            diagnostics.error(definition.source.place(of: definition.node), "input \(input.name): \(validation.message)",
                              notes: ["the rule is at \(validation.rule.location)"])
        }
        return holds
    }
}
