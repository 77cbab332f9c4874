import ArgumentParser
import JSON
import Manifest

/// `batchctl explain ADDR`: where each field's value of one task came from.
struct ExplainCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show where each field of one task came from: defaults, templates, the task, matrix values, vars.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput

    @Argument(help: "The task's address, <set>/<key>.", completion: AddressCompletion.kind)
    var address: String

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project, explain: address)
        guard let explanation = result.explanation else { throw ExitCode.failure }
        let style = Style(enabled: Terminal.usesColor(1))
        // Names, values and expressions come from manifests and var files: escaped for the terminal as render's are.
        let e = TerminalText.escape
        var text = style.bold(e(explanation.address)) + "  " + style.dim("(task entry at \(e(explanation.source.description)))") + "\n"
        if !explanation.matrix.isEmpty {
            text += "\nmatrix:\n"
            for input in explanation.matrix {
                text += "  \(e(input.name)) = \(e(input.value.serialized()))  " + style.dim(e(input.origin)) + "\n"
            }
        }
        if !explanation.inputs.isEmpty {
            text += "\ninputs:\n"
            for input in explanation.inputs {
                text += "  \(e(input.name)) = \(e(input.value.serialized()))  " + style.dim(e(input.origin)) + "\n"
            }
        }
        text += "\nfields:\n"
        for field in explanation.fields {
            text += "  " + style.bold(e(field.path)) + " = " + e(field.value.serialized()) + "\n"
            text += "      from \(e(field.layer))" + (field.location.map { " at \(e($0.description))" } ?? "") + "\n"
            if let expression = field.expression {
                text += "      written as " + e(JSONValue.string(expression).serialized()) + "\n"
            }
            for input in field.inputs {
                text += "        \(e(input.name)) = \(e(input.value.serialized()))  " + style.dim(e(input.origin)) + "\n"
            }
            for earlier in field.overrides {
                text += "      " + style.dim("overrides \(e(earlier))") + "\n"
            }
        }
        Terminal.out(text)
    }
}
