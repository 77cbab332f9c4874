import APIClient
import BatchTask
import DesiredTasks
import Diagnostics
import Foundation
import Logging
import Planning
import Reconcile
import State
import Synchronization

/// The reconcile loop: expand, lead or follow, plan with a refresh, apply, record the status; then wait for the
/// interval (with backoff after failures), a reconcile request or a stop.
///
/// It does the I/O and nothing else: every decision about what a cycle means (the status, the metrics, the log,
/// notifications, the wait) is `ControllerStateMachine`'s, which it tells what happened.
public final class Reconciler: Sendable {
    public let settings: ControllerSettings
    public let metrics: ControllerMetrics
    private let parts: ControllerParts
    private let notifier: Notifier
    private let waker = Waker()
    private let shared: Mutex<Shared>

    private typealias Effect = ControllerStateMachine.Effect

    private struct Shared {
        var machine: ControllerStateMachine
        /// The cancellation of the apply in progress, which a stop sets.
        var applying: CancellationFlag?
    }

    public init(settings: ControllerSettings, parts: ControllerParts, notifier: Notifier, metrics: ControllerMetrics = ControllerMetrics()) {
        self.settings = settings
        self.parts = parts
        self.notifier = notifier
        self.metrics = metrics
        shared = Mutex(Shared(machine: ControllerStateMachine(settings: settings, stateDescription: parts.backend.description,
                                                              started: Timestamp.now())))
        metrics.leading(false)
    }

    // MARK: - Control

    /// The status as `/api/status` shows it.
    public var status: ControllerStatus { shared.withLock { $0.machine.status } }

    /// Whether the API answered the last time it was asked (`/readyz`): nil before the first time.
    public var apiReachable: Bool? { shared.withLock { $0.machine.apiReachable } }

    /// Starts a cycle now (or right after the one in progress).
    public func reconcileNow() {
        parts.logger.info("reconcile requested")
        perform(handle { $0.wake() })
    }

    /// Stops: no new request is sent, those in flight finish and are journaled, and `run()` returns after the cycle.
    public func stop() {
        perform(handle { $0.stop() })
    }

    private var stopping: Bool { shared.withLock { $0.machine.stopping } }

    /// Runs cycles until `stop()`; then resigns the lease.
    public func run() async {
        while !stopping {
            await carryOut(handle { $0.cycleStarted(at: Timestamp.now()) })
            await carryOut(handle { $0.nextCycle(draw: Double.random(in: -1...1), now: Date()) })
        }
        await carryOut(handle { $0.loopEnded() })
    }

    // MARK: - Effects

    /// Tells the state machine of an event; returns what it says to do.
    private func handle(_ event: (inout ControllerStateMachine) -> [Effect]) -> [Effect] {
        shared.withLock { event(&$0.machine) }
    }

    /// Carries out effects in order, those that wait too.
    private func carryOut(_ effects: [Effect]) async {
        for effect in effects {
            switch effect {
            case .runCycle(_, let steps): await cycle(steps)
            case .sleep(let delay): await waker.pause(for: delay)
            case .resignLease: await parts.lease.resign()
            default: perform([effect])
            }
        }
    }

    /// Carries out effects that do not wait; a caller that cannot wait is given no other kind.
    private func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .log(let event): log(event)
            case .notify(let notification):
                notifier.send(notification.trigger, message: notification.message, status: status, details: notification.details)
            case .recordLeading(let leads): metrics.leading(leads)
            case .recordActions(let actions): metrics.actions(actions)
            case .recordRuns(let runs): metrics.runs(runs)
            case .notifyRuns(let events): notifier.send(events)
            case .recordLastResults(let results): metrics.lastResults(results)
            case .recordCycle(let result, let duration, let endedAt): metrics.cycle(result, duration: duration, endedAt: endedAt.timeIntervalSince1970)
            case .recordSets(let sets): metrics.sets(sets)
            case .endSleep: waker.wake()
            case .cancelApply: shared.withLock { $0.applying }?.cancel()
            case .runCycle, .sleep, .resignLease: assertionFailure("\(effect) waits: only run() carries it out")
            }
        }
    }

    private func log(_ event: ControllerEvent) {
        switch event.kind {
        case .cycleFailed, .runFailed: parts.logger.error("\(event.kind.rawValue): \(event.message)")
        case .driftDetected, .runSkipped: parts.logger.warning("\(event.kind.rawValue): \(event.message)")
        default: parts.logger.info("\(event.kind.rawValue): \(event.message)")
        }
    }

    private func apiAnswered(_ answered: Bool) {
        shared.withLock { $0.machine.apiAnswered(answered) }
    }

    func noticed(_ notice: SessionNotice) {
        perform(handle { $0.noticed(notice.message, at: Timestamp.now()) })
    }

    // MARK: - One cycle

    /// One cycle, which never throws: a failure is recorded, and the next cycle comes after the backoff.
    private func cycle(_ steps: [ControllerStateMachine.CycleStep]) async {
        let started = ContinuousClock.now
        do {
            let report = try await run(steps)
            // Without a refresh a cycle may send nothing: one that ended without an API error counts as ready.
            if !settings.refresh { apiAnswered(true) }
            await carryOut(handle { $0.cycleFinished(report, duration: ContinuousClock.now - started, now: Date()) })
        } catch {
            // A request the API did not answer, or answered with an error, makes the controller unready until the
            // API answers again.
            if error is ClientError { apiAnswered(false) }
            let message = (error as? ControllerFailure)?.message ?? Self.message(of: error)
            await carryOut(handle { $0.cycleFailed(message, duration: ContinuousClock.now - started, now: Date()) })
        }
        HeapTrim.afterCycle()
    }

    /// Carries out a cycle's steps in order: the first that throws ends the cycle.
    private func run(_ steps: [ControllerStateMachine.CycleStep]) async throws -> ControllerStateMachine.CycleReport {
        var expansion = ExpansionResult()
        var leading = false
        var report: ControllerStateMachine.CycleReport?
        for step in steps {
            switch step {
            case .pullManifests: try await GitPull.run(in: parts.directory)
            case .expandManifests: expansion = try await parts.expand()
            case .takeLease:
                let standing = try await takeLease()
                leading = standing.isLeading
                perform(handle { $0.leaseTaken(standing, at: Timestamp.now()) })
            case .reconcile: report = leading ? try await lead(expansion) : try await follow(expansion)
            }
        }
        guard let report else { throw ControllerFailure("the cycle made no plan") }
        return report
    }

    private func takeLease() async throws -> LeaseStanding {
        do {
            return try await parts.lease.acquire()
        } catch {
            throw ControllerFailure("cannot take the controller lease: \(error.message)")
        }
    }

    /// The leader plans under the state's lock with a refresh, and applies.
    private func lead(_ expansion: ExpansionResult) async throws -> ControllerStateMachine.CycleReport {
        let desired = expansion.tasksByAddress
        var session = try await StateSession.open(
            .write(operation: "controller", lockTimeout: settings.lockTimeout, sets: LockScope.sets(for: expansion, prune: settings.prune)), backend: parts.backend,
            endpoint: settings.endpoint, client: parts.client, desired: desired, observer: NoticeRelay(reconciler: self))
        return try await session.whileOpen { session in
            let live = settings.refresh ? try await session.refresh(client: parts.client, concurrency: settings.parallelism, read: settings.refreshRead) : nil
            apiAnswered(true)
            var options = planOptions()
            options.startsDueRuns = !settings.detectOnly
            let plan = try await session.plan(expansion, live: live, options: options, client: parts.client, concurrency: settings.parallelism)
            let applied = settings.detectOnly || !plan.hasWork ? nil : try await apply(plan, desired: desired, session: &session)
            return report(expansion, plan: plan, state: session.state, live: live, applied: applied)
        }
    }

    /// Applies `plan` unless a stop came first; a stop during the apply lets what is in flight finish.
    private func apply(_ plan: Plan, desired: [String: DesiredTask], session: inout StateSession) async throws -> ApplyReport? {
        guard !stopping else { return nil }
        let cancellation = CancellationFlag()
        let stopped = shared.withLock { shared -> Bool in
            shared.applying = cancellation
            return shared.machine.stopping
        }
        if stopped { cancellation.cancel() }
        defer { shared.withLock { $0.applying = nil } }
        var options = ApplyOptions()
        options.parallelism = settings.parallelism
        options.now = try? parts.now()
        return try await session.apply(plan, desired: desired, client: parts.client, options: options, observer: nil, cancellation: cancellation)
    }

    /// A follower reads the shared state without its lock (the leader may hold it) and the live tasks, for status.
    private func follow(_ expansion: ExpansionResult) async throws -> ControllerStateMachine.CycleReport {
        let session = try await StateSession.open(.follow, backend: parts.backend, endpoint: settings.endpoint, observer: nil)
        // No state yet (the leader has not applied): everything is still to create, and there is nothing to read.
        let live = session.existed && settings.refresh
            ? try await session.refresh(client: parts.client, concurrency: settings.parallelism, read: settings.refreshRead) : nil
        if live != nil { apiAnswered(true) }
        let plan = try await session.plan(expansion, live: live, options: planOptions(), client: parts.client,
                                          concurrency: settings.parallelism)
        return report(expansion, plan: plan, state: session.planningState, live: session.existed ? live : [:], applied: nil)
    }

    private func planOptions() -> PlanOptions {
        var options = PlanOptions(endpoint: settings.endpoint)
        options.fields = FieldModel(wallTimeZone: parts.client.timeZone.zone)
        options.prune = settings.prune
        options.allowMassDelete = settings.allowMassDelete
        options.revertsDrift = settings.selfHeal
        options.now = (try? parts.now()) ?? Date()
        return options
    }

    private func report(_ expansion: ExpansionResult, plan: Plan, state: State?, live: [Int32: BatchTaskInfo]?,
                        applied: ApplyReport?) -> ControllerStateMachine.CycleReport {
        let outcomes = applied?.outcomes ?? []
        let kinds = outcomes.map { ActionKindOutcome(address: $0.address, kind: $0.kind, succeeded: $0.status == .succeeded) }
        let sets = StatusModel.sets(expansion.sets.map { ($0.name, $0.taskCount) }, plan: plan, state: state, live: live, applied: kinds)
        return ControllerStateMachine.CycleReport(
            sets: sets, plan: plan, applied: outcomes.map(AppliedAction.init), interrupted: applied?.interrupted == true,
            runEvents: RunNotification.redacted(applied?.runEvents ?? [], desired: expansion.tasksByAddress),
            lastResults: Self.lastResults(state), suspended: ControllerStatus.suspended(in: state),
            pending: ControllerStatus.pending(in: state))
    }

    /// How each task's last settled run ended: the current run's outcome, or the one before while it runs.
    static func lastResults(_ state: State?) -> [String: RunOutcome] {
        var results: [String: RunOutcome] = [:]
        for (address, entry) in state?.tasks ?? [:] {
            if let outcome = entry.outcome ?? entry.history.last?.outcome { results[address] = outcome }
        }
        return results
    }

    /// An error as the status, the log and notifications say it: a `UserFacingError`'s message and hint (an API error
    /// marked as such), a refused plan's problems with their places.
    public static func message(of error: any Error) -> String {
        if let error = error as? PlanningError {
            return error.problems.map { problem in (problem.location.map { "\($0): " } ?? "") + problem.message }.joined(separator: "; ")
        }
        guard let error = error as? any UserFacingError else { return "\(error)" }
        let text = error.message + (error.hint.map { " (\($0))" } ?? "")
        return error is ClientError ? "the API: " + text : text
    }
}

/// Session notices (a journal recovered, a stale lock taken over) become events.
private struct NoticeRelay: SessionObserver {
    let reconciler: Reconciler

    func notice(_ notice: SessionNotice) {
        reconciler.noticed(notice)
    }
}
