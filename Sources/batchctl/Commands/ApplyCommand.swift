import ArgumentParser
import DesiredTasks
import Manifest
import Planning
import Reconcile
import State

/// `batchctl apply [PLANFILE]`: carry out a saved plan, or a fresh one after showing it and asking.
struct ApplyCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the API hold what the manifests say: carry out a saved plan, or a fresh one after confirmation.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var planning: PlanningOptions
    @OptionGroup var parallelism: ParallelismOption
    @OptionGroup var tenant: TenantWaitOption
    @OptionGroup var waitTimeout: WaitTimeoutOption

    @Argument(help: ArgumentHelp("A plan saved by `batchctl plan --out FILE`.", valueName: "PLANFILE"))
    var planFile: String?

    @Flag(name: .customLong("auto-approve"), help: "Apply without asking.")
    var autoApprove = false

    @Flag(name: .customLong("wait"), help: "Follow the submitted tasks until each job is Succeeded or Failed; dependents wait for Succeeded.")
    var wait = false

    func validate() throws {
        if planFile != nil && (!targeting.targets.isEmpty || !targeting.excludes.isEmpty || !input.selectors.isEmpty || planning.prune
                               || !planning.replace.isEmpty) {
            throw ValidationError("a saved plan is carried out exactly as it was made: give --target, --exclude, --selector, --prune and --replace to `batchctl plan --out` instead")
        }
    }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project)
        let desired = result.tasksByAddress
        let parallelism = parallelism.resolve(project)
        let name = try endpoint.name(project: project)
        let backend = try stateOptions.backend(project: project)
        let report = try await endpoint.withConnection(project: project, parallelism: parallelism, tenantWait: tenant.duration) { connection in
            var session = try await StateSession.open(stateOptions.write("apply", sets: lockedSets(result)), backend: backend,
                                                      endpoint: name, client: connection.client, desired: desired, observer: NoticePrinter())
            return try await session.whileOpen { session in
                try await apply(result, session: &session, connection: connection, parallelism: parallelism)
            }
        }
        try Execution.finish(report)
    }

    /// The task sets this apply may change: those of the manifests and of the moves out of others; every set with
    /// `--prune` (which deletes what left the manifests) or with a saved plan (which may name any).
    private func lockedSets(_ result: ExpansionResult) -> [String]? {
        guard planFile == nil, !planning.prune else { return nil }
        return result.changedSets
    }

    private func apply(_ result: ExpansionResult, session: inout StateSession, connection: Connection,
                       parallelism: Int) async throws -> ApplyReport {
        let desired = result.tasksByAddress
        let name = session.endpoint
        let plan: Plan
        if let planFile {
            plan = try session.savedPlan(at: planFile, desired: result.tasks)
        } else {
            let live = planning.refresh ? try await session.refresh(client: connection.client, concurrency: parallelism) : nil
            plan = try session.plan(result, live: live, options: try planning.options(endpoint: name, selection: targeting.selection(input), fields: FieldModel(wallTimeZone: connection.client.timeZone.zone)))
        }
        Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1)),
                                        showFieldsOfCreates: plan.count(.create) <= 50))
        guard plan.hasChanges else { return ApplyReport(outcomes: [], interrupted: false) }
        if planFile == nil && !autoApprove { try Confirmation.ask("Apply these changes?") }
        return try await Execution.run(plan, desired: desired, session: &session, client: connection.client,
                                       parallelism: parallelism, wait: wait, waitTimeout: waitTimeout.duration, verb: "apply")
    }
}
