import ArgumentParser
import DesiredTasks
import JSON
import Manifest
import Foundation
import Planning
import Reconcile
import Schedule
import Session
import State

/// `batchctl run ADDR... | --due`: start new runs of tasks now, or of every scheduled task that is due.
struct RunCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start a new run of tasks now, or with --due of every scheduled task that is due (for cron or a CI schedule).",
        discussion: """
            A batch task is one execution of its job: a run starts the same fields again as a new task, and the \
            current run joins the task's history (run.history finished runs are kept; older ones are deleted). \
            A task whose current run is still in progress is not started again unless its run.concurrency is \
            allow or replace. Nothing else the manifests changed is applied: that is apply's work.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption
    @OptionGroup var tenant: TenantWaitOption
    @OptionGroup var waitTimeout: WaitTimeoutOption
    @OptionGroup var notify: NotifyOptions

    @Argument(help: ArgumentHelp("The tasks to run: addresses or globs such as nightly/import-*; with --due, only these are considered.",
                                 valueName: "ADDR"),
              completion: AddressCompletion.kind)
    var addresses: [String] = []

    @Flag(name: .customLong("due"), help: "Start every scheduled task (run.when: schedule) whose slot is due now; a slot missed by more than its startingDeadline is skipped and reported.")
    var due = false

    @Option(name: .customLong("slot"),
            help: ArgumentHelp("Start the runs for this slot instead of now (a backfill by hand): ISO 8601 with an offset or Z, or a wall-clock time read in the tasks' schedule time zone; for a scheduled task, a slot of its schedule.",
                               valueName: "TIME"))
    var slot: String?

    @Flag(name: .customLong("wait"), help: "Follow the started runs through their retries until each job is Succeeded or Failed, starting pending runs once what they wait for Succeeded; the state is not locked while the jobs run.")
    var wait = false

    func validate() throws {
        guard due || !addresses.isEmpty else {
            throw ValidationError("name the tasks to run (batchctl run nightly/import), or start those that are due with --due")
        }
        if let slot {
            if due { throw ValidationError("--slot starts runs of the tasks named for one slot; --due starts the slots that are due") }
            if SlotTime(parsing: slot) == nil {
                throw ValidationError("--slot takes ISO 8601 with an offset or Z (2030-01-02T01:00:00Z), or a wall-clock time read in the schedule's time zone (2030-01-02T02:00), not '\(slot)'")
            }
        }
    }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project)
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        var options = PlanOptions(endpoint: session.endpointName)
        options.fields = FieldModel(project: project)
        options.runsOnly = true
        options.now = try RunClock.now()
        if due {
            options.startsDueRuns = true
            options.selection = try TaskSelection(targets: addresses, selectors: input.selectors)
        } else {
            options.runs = addresses.map(Glob.init)
            options.selection = try TaskSelection(selectors: input.selectors)
            options.slot = try slotDate(asked: result.tasks.filter { task in options.runs.contains { $0.matches(task.address) } })
        }
        let sets = LockScope.sets(forRuns: options, in: result)
        let plan: Plan, report: ApplyReport
        if wait {
            // Passes that let go of the lock while the jobs run; the first is this command's own.
            var first: Plan?
            let loop = try await WaitLoop(waitTimeout: waitTimeout.duration).run(
                session, operation: "run", sets: sets, desired: result.tasksByAddress, tenantWait: tenant.duration,
                first: { run, connection in
                    let (plan, report, waited) = try await pass(result, options: options, run: &run, connection: connection, parallelism: session.parallelism)
                    first = plan
                    return WaitLoop.FirstPass(report: report, waited: waited)
                },
                next: { run, connection, follows in
                    let plan = try run.plan(result, live: nil, options: try WaitLoop.passOptions(options, follows: follows))
                    guard plan.hasWork else { return ApplyReport(outcomes: [], interrupted: false) }
                    return try await Execution.run(plan, desired: result.tasksByAddress, session: &run, client: connection.client,
                                                   parallelism: session.parallelism, wait: false, verb: "run")
                })
            report = loop.report
            if loop.looped { Execution.followed(report) }
            plan = first ?? Plan(actions: [], orphans: [], drift: [], stateLineage: nil, stateSerial: nil, endpoint: session.endpointName, refreshed: false)
        } else {
            (plan, report, _) = try await session.write("run", sets: sets, desired: result.tasksByAddress, tenantWait: tenant.duration) { run, connection in
                try await pass(result, options: options, run: &run, connection: connection, parallelism: session.parallelism)
            }
        }
        await notify.send(report, desired: result.tasksByAddress)
        try Execution.finish(report)
        // A run asked for by name that was not started is an error; a due run skipped is what the policy says.
        let refused = report.skipped.filter { $0.kind == .run }
        if !due && !refused.isEmpty && plan.hasChanges { throw ExitCode.failure }
    }

    /// `--slot` as an instant: as written with an offset, or read in the time zone the asked tasks are scheduled in.
    private func slotDate(asked: [DesiredTask]) throws -> Date? {
        guard let slot, let time = SlotTime(parsing: slot) else { return nil }
        if case .instant(let date) = time { return date }
        let zones = Set(asked.map { $0.run.when == .schedule ? $0.run.schedule?.timeZone : nil })
        guard zones.count == 1, let only = zones.first, let zone = only else {
            let names = zones.map { $0.map { $0.identifier == "GMT" ? "UTC" : $0.identifier } ?? "not scheduled" }.sorted()
            let reason = zones.count > 1
                ? "the tasks named are not all scheduled in one time zone (\(names.joined(separator: ", ")))"
                : "the tasks named have no schedule to read it in"
            throw CommandFailure("--slot \(slot) has no offset, and \(reason): give it with an offset or Z (\(slot)Z)")
        }
        return time.date(in: zone)
    }

    /// The command's own pass: plan, show, start; with `--wait`, a plan whose runs depend on each other waits in
    /// process (the third value says so), where dependents wait for Succeeded.
    private func pass(_ result: ExpansionResult, options: PlanOptions, run: inout StateSession, connection: Connection,
                      parallelism: Int) async throws -> (Plan, ApplyReport, Bool) {
        let plan = try run.plan(result, live: nil, options: options)
        Terminal.out(RunRendering.text(plan, due: due, style: Style(enabled: Terminal.usesColor(1))))
        var report = ApplyReport(outcomes: [], interrupted: false)
        let waits = wait && WaitLoop.ordersActions(plan, desired: result.tasksByAddress)
        if plan.hasWork {
            report = try await Execution.run(plan, desired: result.tasksByAddress, session: &run, client: connection.client,
                                             parallelism: parallelism, wait: waits, waitTimeout: waitTimeout.duration, verb: "run")
        }
        // The slots skipped are told as the plan listed them, each once: the entry keeps the latest told. The
        // controller counts its own once per slot.
        let missed = RunEvent.missed(in: plan).filter { event in
            guard let slot = event.slot, let told = run.state.tasks[event.address]?.missedTold else { return true }
            return slot > told
        }
        let kept = missed.filter { $0.slot != nil && run.state.tasks[$0.address] != nil }
        if !kept.isEmpty {
            _ = try await run.edit { state in
                for event in kept { state.tasks[event.address]?.missedTold = event.slot }
            }
        }
        report.runEvents = missed + report.runEvents
        return (plan, report, waits)
    }
}
