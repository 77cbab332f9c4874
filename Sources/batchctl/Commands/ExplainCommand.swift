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
        var text = style.bold(explanation.address) + "  " + style.dim("(task entry at \(explanation.source))") + "\n"
        if !explanation.matrix.isEmpty {
            text += "\nmatrix:\n"
            for input in explanation.matrix {
                text += "  \(input.name) = \(input.value.serialized())  " + style.dim(input.origin) + "\n"
            }
        }
        text += "\nfields:\n"
        for field in explanation.fields {
            text += "  " + style.bold(field.path) + " = " + field.value.serialized() + "\n"
            text += "      from \(field.layer)" + (field.location.map { " at \($0)" } ?? "") + "\n"
            if let expression = field.expression {
                text += "      written as " + JSONValue.string(expression).serialized() + "\n"
            }
            for input in field.inputs {
                text += "        \(input.name) = \(input.value.serialized())  " + style.dim(input.origin) + "\n"
            }
            for earlier in field.overrides {
                text += "      " + style.dim("overrides \(earlier)") + "\n"
            }
        }
        Terminal.out(text)
    }
}
