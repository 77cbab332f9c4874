import ArgumentParser
import DesiredTasks
import Diagnostics
import Manifest
import Planning
import Reconcile
import Session
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
        let targets = try targeting.selection()
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        let locked = LockScope.sets(forDestroy: targets, sets: sets)
        let report = try await session.write("destroy", sets: locked, desired: [:], tenantWait: tenant.duration) { run, connection in
            let plan = try run.destroyPlan(targets: targets, sets: sets, protecting: expansion.tasks)
            Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1))))
            guard plan.hasChanges else { return ApplyReport(outcomes: [], interrupted: false) }
            let count = plan.count(.delete)
            if !autoApprove { try Confirmation.ask("Destroy \(count) task\(count == 1 ? "" : "s")?") }
            return try await Execution.run(plan, desired: [:], session: &run, client: connection.client,
                                           parallelism: session.parallelism, wait: false, waitTimeout: waitTimeout.duration, verb: "destroy")
        }
        try Execution.finish(report)
    }

    /// The task sets the manifest flags name: those the manifests define, narrowed by `--selector`.
    private func selectedSets(_ result: ExpansionResult) -> Set<String> {
        let selection = (try? TaskSelection(selectors: input.selectors)) ?? .everything
        return Set(result.sets.filter { selection.includes(address: "", labels: $0.labels) }.map(\.name))
    }
}
