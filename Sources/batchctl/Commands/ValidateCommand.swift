import ArgumentParser

/// `batchctl validate`: load, expand and type-check the manifests; print every error.
struct ValidateCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load, expand and type-check the manifests, and print every error.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, github }

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(
        "text, or github: every error and warning also as a GitHub Actions workflow command.", valueName: "FORMAT"))
    var format: Format = .text

    var diagnosticFormat: DiagnosticFormat { format == .github ? .github : .text }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project, format: diagnosticFormat)
        let sets = result.sets.count
        Terminal.out("Valid: \(sets) task set\(sets == 1 ? "" : "s"), \(result.tasks.count) task\(result.tasks.count == 1 ? "" : "s") from \(result.filesRead) file\(result.filesRead == 1 ? "" : "s").\n")
        exitAfterOutput()
    }
}
