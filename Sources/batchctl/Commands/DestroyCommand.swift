import ArgumentParser
import DesiredTasks
import Diagnostics
import Manifest
import Planning
import Reconcile
import State

/// `batchctl destroy`: stop (where it can) and delete every managed task, or those the flags select.
struct DestroyCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Stop (where possible) and delete every managed task, or those --target, -f and --selector select.",
        discussion: """
            --target and --exclude are resolved against the state's addresses. With -f or --selector, only the \
            managed tasks of the task sets those manifests define (and the selector picks) are destroyed, including \
            tasks of those sets that have left the manifests.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption
    @OptionGroup var tenant: TenantWaitOption
    @OptionGroup var waitTimeout: WaitTimeoutOption

    @Flag(name: .customLong("auto-approve"), help: "Destroy without asking.")
    var autoApprove = false

    func execute() async throws {
        let project = try global.enterProject(environment)
        // The manifests are read even without -f: their lifecycle.preventDestroy protects tasks from destroy too.
        let expansion = try input.expand(project: project)
        let sets = input.isGiven ? selectedSets(expansion) : nil
        let protected = expansion.tasks.filter(\.lifecycle.preventDestroy)
        let targets = try targeting.selection()
        let parallelism = parallelism.resolve(project)
        let name = try endpoint.name(project: project)
        let backend = try stateOptions.backend(project: project)
        let report = try await endpoint.withConnection(project: project, parallelism: parallelism, tenantWait: tenant.duration) { connection in
            var session = try await StateSession.open(stateOptions.write("destroy"), backend: backend, endpoint: name,
                                                      client: connection.client, desired: [:], observer: NoticePrinter())
            return try await session.whileOpen { session in
                let plan = try session.destroyPlan(targets: targets, sets: sets)
                try Self.refuseProtected(plan, protected)
                Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1))))
                guard plan.hasChanges else { return ApplyReport(outcomes: [], interrupted: false) }
                let count = plan.count(.delete)
                if !autoApprove { try Confirmation.ask("Destroy \(count) task\(count == 1 ? "" : "s")?") }
                return try await Execution.run(plan, desired: [:], session: &session, client: connection.client,
                                               parallelism: parallelism, wait: false, waitTimeout: waitTimeout.duration, verb: "destroy")
            }
        }
        try Execution.finish(report)
    }

    /// The task sets the manifest flags name: those the manifests define, narrowed by `--selector`.
    private func selectedSets(_ result: ExpansionResult) -> Set<String> {
        let selection = (try? TaskSelection(selectors: input.selectors)) ?? .everything
        return Set(result.sets.filter { selection.includes(address: "", labels: $0.labels) }.map(\.name))
    }

    /// A plan that would delete a task whose manifest says `lifecycle.preventDestroy` is refused, naming each one
    /// with its position, and how to leave them out.
    static func refuseProtected(_ plan: Plan, _ protected: [DesiredTask]) throws {
        // A deposed entry is the old copy a create-before-destroy replace left: deleting it is what protection wants.
        let doomed = Set(plan.actions.filter { $0.kind == .delete && !StateAddress.isDeposed($0.address) }.map(\.address))
        let hits = protected.filter { doomed.contains($0.address) }
        guard !hits.isEmpty else { return }
        // One error at each protected task's entry, so each names its place and a task's name stays on its line.
        throw DiagnosticList(hits.map { task in
            .error(task.source, "destroy would delete \(task.address), whose manifest says lifecycle.preventDestroy; "
                + "leave it out with --exclude \(task.address), or remove preventDestroy from the manifest first; nothing was deleted")
        })
    }
}
