import ArgumentParser
import DesiredTasks
import Manifest
import Planning
import Reconcile
import Session
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
    @OptionGroup var notify: NotifyOptions

    @Argument(help: ArgumentHelp("A plan saved by `batchctl plan --out FILE`.", valueName: "PLANFILE"))
    var planFile: String?

    @Flag(name: .customLong("auto-approve"), help: "Apply without asking.")
    var autoApprove = false

    @Flag(name: .customLong("wait"), help: "Follow the submitted tasks through their retries until each job is Succeeded or Failed, starting held dependents once what they wait for Succeeded; the state is not locked while the jobs run.")
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
        // Built once: at 10k tasks each dictionary of the tasks by address was a visible part of an apply's CPU.
        let desired = result.tasksByAddress
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        // A saved plan is read before the lock, to lock the sets it names; it is verified against the state after.
        let saved = try planFile.map { path in (path: path, plan: try StateSession.savedPlan(at: path)) }
        let sets = try saved.map { LockScope.sets(forSaved: $0.plan) }
            ?? LockScope.sets(for: result, selection: targeting.selection(input), prune: planning.prune)
        let report: ApplyReport
        if wait {
            // Passes that let go of the lock while the jobs run; the first is this command's own.
            let loop = try await WaitLoop(waitTimeout: waitTimeout.duration).run(
                session, operation: "apply", sets: sets, desired: desired, tenantWait: tenant.duration,
                first: { run, connection in
                    let (report, waited) = try await apply(result, saved: saved, desired: desired, run: &run, connection: connection,
                                                           parallelism: session.parallelism)
                    return WaitLoop.FirstPass(report: report, waited: waited)
                },
                next: { run, connection, follows in
                    var base = PlanOptions(endpoint: run.endpoint)
                    base.fields = FieldModel(wallTimeZone: connection.client.timeZone.zone)
                    let plan = try run.plan(result, live: nil, options: try WaitLoop.passOptions(base, follows: follows))
                    guard plan.hasWork else { return ApplyReport(outcomes: [], interrupted: false) }
                    return try await Execution.run(plan, desired: desired, session: &run, client: connection.client,
                                                   parallelism: session.parallelism, wait: false, verb: "apply")
                })
            report = loop.report
            if loop.looped { Execution.followed(report) }
        } else {
            report = try await session.write("apply", sets: sets, desired: desired, tenantWait: tenant.duration) { run, connection in
                try await apply(result, saved: saved, desired: desired, run: &run, connection: connection, parallelism: session.parallelism).report
            }
        }
        await notify.send(report, desired: desired)
        try Execution.finish(report)
    }

    /// Plans (or reads the saved plan), shows it, asks, applies. With `--wait`, a plan whose actions depend on each
    /// other waits in process (`waited`), where dependents wait for Succeeded.
    private func apply(_ result: ExpansionResult, saved: (path: String, plan: Plan)?, desired: [String: DesiredTask],
                       run: inout StateSession, connection: Connection, parallelism: Int) async throws -> (report: ApplyReport, waited: Bool) {
        let plan: Plan
        if let saved {
            try run.verify(savedPlan: saved.plan, path: saved.path, desired: result.tasks)
            plan = saved.plan
        } else {
            let live = planning.refresh ? try await run.refresh(client: connection.client, concurrency: parallelism, read: planning.refreshRead.value) : nil
            let fields = FieldModel(wallTimeZone: connection.client.timeZone.zone)
            plan = try await run.plan(result, live: live, options: try planning.options(endpoint: run.endpoint, selection: targeting.selection(input), fields: fields),
                                      client: connection.client, concurrency: parallelism)
        }
        Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1)),
                                        showFieldsOfCreates: plan.count(.create) <= 50))
        // Pending runs are advanced without asking: starting one that is ready is what the earlier apply agreed to.
        guard plan.hasWork else { return (ApplyReport(outcomes: [], interrupted: false), false) }
        if planFile == nil && !autoApprove && plan.hasChanges { try Confirmation.ask("Apply these changes?") }
        let waits = wait && WaitLoop.ordersActions(plan, desired: desired)
        let report = try await Execution.run(plan, desired: desired, session: &run, client: connection.client,
                                             parallelism: parallelism, wait: waits, waitTimeout: waitTimeout.duration, verb: "apply")
        return (report, waits)
    }
}
