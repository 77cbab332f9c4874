import ArgumentParser
import DesiredTasks
import Manifest

/// `--target` and `--exclude`: which addresses a command works on.
struct TargetOptions: ParsableArguments {
    @Option(name: .customLong("target"), help: ArgumentHelp("Work only on these addresses; globs such as nightly/import-eu-* (repeatable).", valueName: "ADDR"),
            completion: AddressCompletion.kind)
    var targets: [String] = []

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Leave these addresses or globs out (repeatable).", valueName: "ADDR"),
            completion: AddressCompletion.kind)
    var excludes: [String] = []

    /// The selection, with the manifest group's `--selector` labels when given.
    func selection(_ input: ManifestInput? = nil) throws -> TaskSelection {
        try TaskSelection(targets: targets, excludes: excludes, selectors: input?.selectors ?? [])
    }

    /// The selected tasks, warning about a `--target` or `--exclude` that matches nothing.
    func select(from result: ExpansionResult, input: ManifestInput) throws -> [DesiredTask] {
        let selection = try selection(input)
        let unmatched = selection.patternsMatchingNothing(in: result.tasks.lazy.map(\.address))
        if !unmatched.isEmpty { DiagnosticPrinter.print(unmatched.map { .warning(nil, "\($0) matches no task") }) }
        return selection.apply(to: result)
    }
}
