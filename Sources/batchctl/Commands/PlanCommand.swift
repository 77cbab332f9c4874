import ArgumentParser
import BatchTask
import DesiredTasks
import Foundation
import Manifest
import Planning
import Reconcile
import Session

/// `batchctl plan`: compare manifests, state and (by default) the live API; print what apply would do.
struct PlanCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: creates, updates, replaces, deletes and moves.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var parallelism: ParallelismOption

    @Option(name: .customLong("out"), help: ArgumentHelp("Save the plan for `batchctl apply FILE`.", valueName: "FILE"))
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 for no changes, 2 when there are changes, 1 on errors.")
    var detailedExitCode = false

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(
        "text, json, markdown (a pull-request comment of at most 65,536 characters) or github (workflow commands, and the markdown plan in $GITHUB_STEP_SUMMARY).",
        valueName: "FORMAT"))
    var format: ReportFormat = .text

    var diagnosticFormat: DiagnosticFormat { format.diagnostics }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        let selection = try targeting.selection(input)
        // The state is read while the manifests expand: both take a while at 100,000 tasks.
        let reading = Task.detached { try await session.read() }
        let result: ExpansionResult
        do {
            result = try input.expand(project: project, format: format.diagnostics)
        } catch {
            _ = try? await reading.value
            throw error
        }
        let state = try await reading.value
        var live: [Int32: BatchTaskInfo]?
        var imports: [ResolvedImport] = []
        // Import entries are read from the API even without a refresh: a plan needs the tasks they adopt.
        if planning.refresh || state.hasImportsToResolve(result, selection: selection) {
            (live, imports) = try await session.withConnection { connection in
                let live = planning.refresh ? try await state.refresh(client: connection.client, concurrency: session.parallelism, read: planning.refreshRead.value) : nil
                return (live, try await state.resolveImports(result, selection: selection, client: connection.client,
                                                             concurrency: session.parallelism))
            }
        }
        let plan = try state.plan(result, live: live, options: try planning.options(endpoint: session.endpointName, selection: selection, fields: FieldModel(project: project)),
                                  imports: imports)
        if let out {
            let bytes = SavedPlan.encode(plan, desired: result.tasks, state: state.planningState)
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("cannot write the plan to \(out)")
            }
        }
        switch format {
        case .json:
            Terminal.write(PlanDocument.json(plan).serializedBytes(pretty: true) + [10], to: 1)
        case .text:
            var output = BufferedOutput()
            output.append(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1))))
            if let out { output.append("Saved the plan to \(out); apply it with: batchctl apply \(out)\n") }
            output.flush()
        case .markdown:
            Terminal.out(ReportOutput.markdown(plan, desired: result.tasks))
        case .github:
            try ReportOutput.github(plan, desired: result.tasks)
        }
        exitAfterOutput(detailedExitCode && plan.hasChanges ? 2 : 0)
    }
}
