import ArgumentParser
import Manifest
import Planning
import Reconcile

/// `batchctl destroy`: stop (where it can) and delete every managed task.
struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Stop (where possible) and delete every managed task, or those --target selects.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var endpoint: EndpointOptions

    @Option(name: .customLong("target"), help: ArgumentHelp("Only these addresses or globs (repeatable).", valueName: "ADDR"))
    var targets: [String] = []

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Leave these addresses or globs out (repeatable).", valueName: "ADDR"))
    var excludes: [String] = []

    @Flag(name: .customLong("auto-approve"), help: "Destroy without asking.")
    var autoApprove = false

    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the project's parallelism, else 10).")
    var parallelismFlag: Int?

    func run() async throws {
        do {
            let project = try global.enterProject()
            let selection = try TaskSelection(targets: targets, excludes: excludes)
            let parallelism = parallelismFlag ?? project.parallelism ?? 10
            let name = try endpoint.requireEndpoint(project: project)
            let report = try await endpoint.withConnection(project: project, parallelism: parallelism) { connection in
                let session = try await StateSession.write(
                    backend: endpoint.backend(project: project), endpoint: name, operation: "destroy",
                    wait: endpoint.lockWait, client: connection.client, desired: [:])
                defer { session.release() }
                let actions = session.state.tasks.sorted { $0.key < $1.key }
                    .filter { selection.isEverything || selection.includes(address: $0.key, labels: [:]) }
                    .map { PlannedAction(address: $0.key, kind: .delete, id: $0.value.id, reason: "destroy") }
                let plan = Plan(actions: actions, orphans: [], drift: [], stateLineage: session.state.lineage,
                                stateSerial: session.state.serial, endpoint: name, refreshed: false)
                Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1))))
                guard plan.hasChanges else { return ApplyReport(outcomes: [], interrupted: false) }
                if !autoApprove { try Confirmation.ask("Destroy \(actions.count) task\(actions.count == 1 ? "" : "s")?") }
                return try await Execution.run(plan, desired: [:], session: session, client: connection.client,
                                               parallelism: parallelism, wait: false, verb: "destroy")
            }
            try Execution.finish(report)
        } catch {
            throw reported(error)
        }
    }
}
