import ArgumentParser
import Planning
import Reconcile
import Session

/// `batchctl drift`: what differs on the server from what was applied, and what is missing.
struct DriftCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Read every managed task from the API and report what differs from what was applied (exit 2 if anything does).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption
    @OptionGroup var refreshRead: RefreshReadOption

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(
        "text, json, markdown (a pull-request comment of at most 65,536 characters) or github (workflow commands, and the markdown report in $GITHUB_STEP_SUMMARY).",
        valueName: "FORMAT"))
    var format: ReportFormat = .text

    var diagnosticFormat: DiagnosticFormat { format.diagnostics }

    func execute() async throws {
        let project = try global.enterProject(environment)
        // The manifests say which fields lifecycle.ignoreChanges leaves alone.
        let result = try input.expand(project: project, format: format.diagnostics)
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        let state = try await session.read()
        let live = try await session.withConnection { connection in
            try await state.refresh(client: connection.client, concurrency: session.parallelism, read: refreshRead.value)
        }
        let report = state.drift(live: live, desired: result.tasks, selection: try targeting.selection(), fields: FieldModel(project: project))
        switch format {
        case .json:
            Terminal.write(DriftDocument.json(report).serializedBytes(pretty: true) + [10], to: 1)
        case .text:
            let style = Style(enabled: Terminal.usesColor(1))
            let summary = ReportOutput.driftSummary(report)
            Terminal.out(report.items.isEmpty ? summary + "\n" : DriftRendering.text(report.items, style: style) + "\n" + style.bold(summary) + "\n")
        case .markdown:
            Terminal.out(ReportOutput.markdown(report, desired: result.tasks, stateSerial: state.planningState?.serial))
        case .github:
            try ReportOutput.github(report, desired: result.tasks, stateSerial: state.planningState?.serial)
        }
        if !report.items.isEmpty { throw ExitCode(2) }
    }
}
