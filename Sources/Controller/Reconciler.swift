import APIClient
import BatchTask
import DesiredTasks
import Diagnostics
import Foundation
import JSON
import Logging
import Planning
import Reconcile
import State
import Synchronization

/// What the controller does each cycle, as its flags say.
public struct ControllerSettings: Sendable {
    public var interval: Duration = .seconds(60)
    public var jitter = 0.1
    /// Plan and report, never apply.
    public var detectOnly = false
    /// Plan drifted tasks back to what the manifests say.
    public var selfHeal = false
    /// Delete what left the manifests (the mass-delete guard still holds).
    public var prune = false
    public var allowMassDelete = false
    /// `git pull --ff-only` in the manifests' repository before each cycle.
    public var gitPull = false
    /// Read the live tasks each cycle (drift, health); without, only what the manifests changed is planned.
    public var refresh = true
    public var parallelism = 10
    /// How long a cycle waits for the state's lock (a person's apply may hold it).
    public var lockTimeout: Duration = .seconds(10)
    /// The endpoint as the state is bound to it.
    public var endpoint: String
    public var workspace: String

    public init(endpoint: String, workspace: String) {
        self.endpoint = endpoint
        self.workspace = workspace
    }
}

/// What the controller works with: the manifests (read afresh each cycle), the API, the state and the lease.
public struct ControllerParts: Sendable {
    /// Reads and expands the manifests; throws a `ControllerFailure` naming every error (`file:line:col`).
    public var expand: @Sendable () async throws -> ExpansionResult
    /// The time schedules are read at.
    public var now: @Sendable () throws -> Date
    public var client: BatchTaskClient
    public var backend: any StateBackend
    public var lease: any LeaderLease
    /// The folder `git pull` runs in.
    public var directory: String
    public var logger: Logger

    public init(expand: @escaping @Sendable () async throws -> ExpansionResult, now: @escaping @Sendable () throws -> Date,
                client: BatchTaskClient, backend: any StateBackend, lease: any LeaderLease, directory: String, logger: Logger) {
        self.expand = expand
        self.now = now
        self.client = client
        self.backend = backend
        self.lease = lease
        self.directory = directory
        self.logger = logger
    }
}

/// Why a cycle failed, in words for the status, the log and notifications; never a secret.
public struct ControllerFailure: UserFacingError, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The reconcile loop: expand, lead or follow, plan with a refresh, apply, record the status; then wait for the
/// interval (with backoff after failures), a reconcile request or a stop.
public final class Reconciler: Sendable {
    public let settings: ControllerSettings
    public let metrics: ControllerMetrics
    private let parts: ControllerParts
    private let notifier: Notifier
    private let waker = Waker()
    private let shared: Mutex<Shared>

    private struct Shared {
        var status: ControllerStatus
        var stopping = false
        /// The cancellation of the apply in progress, which a stop sets.
        var applying: CancellationFlag?
        /// Whether the API answered the last time it was asked: nil before the first time.
        var apiReachable: Bool?
        var previousDrift: Set<String> = []
        var lastFailure: String?
        /// What was said of each scheduled task's missed slots: the slot counted from, and how many.
        var missedReported: [String: (since: String?, count: Int)] = [:]
        var cycles = 0
        /// Whether the API answered in the cycle under way.
        var reachedThisCycle = false
    }

    public init(settings: ControllerSettings, parts: ControllerParts, notifier: Notifier, metrics: ControllerMetrics = ControllerMetrics()) {
        self.settings = settings
        self.parts = parts
        self.notifier = notifier
        self.metrics = metrics
        let mode = [settings.detectOnly ? "detect only" : "applies changes",
                    settings.selfHeal ? "self-heals drift" : "reports drift",
                    settings.prune ? "prunes" : "keeps what left the manifests"].joined(separator: ", ")
        let status = ControllerStatus(
            workspace: settings.workspace, endpoint: settings.endpoint, stateDescription: parts.backend.description,
            mode: mode.prefix(1).uppercased() + mode.dropFirst(), leading: false, started: Timestamp.now(), interval: settings.interval)
        shared = Mutex(Shared(status: status))
        metrics.leading(false)
    }

    // MARK: - Control

    /// The status as `/api/status` shows it.
    public var status: ControllerStatus { shared.withLock { $0.status } }

    /// Whether the API answered the last time it was asked (`/readyz`): nil before the first time.
    public var apiReachable: Bool? { shared.withLock { $0.apiReachable } }

    /// Starts a cycle now (or right after the one in progress).
    public func reconcileNow() {
        parts.logger.info("reconcile requested")
        waker.wake()
    }

    /// Stops: no new request is sent, those in flight finish and are journaled, and `run()` returns after the cycle.
    public func stop() {
        let applying = shared.withLock { shared -> CancellationFlag? in
            shared.stopping = true
            return shared.applying
        }
        applying?.cancel()
        waker.wake()
    }

    private var stopping: Bool { shared.withLock { $0.stopping } }

    /// Runs cycles until `stop()`; then resigns the lease.
    public func run() async {
        while !stopping {
            await cycle()
            guard !stopping else { break }
            let failures = shared.withLock { $0.status.consecutiveFailures }
            let backoff = Backoff(interval: settings.interval, jitter: settings.jitter)
            let delay = backoff.jittered(backoff.delay(failures: failures), draw: Double.random(in: -1...1))
            shared.withLock { $0.status.nextCycle = Timestamp.string(Date().addingTimeInterval(delay.seconds)) }
            await waker.pause(for: delay)
        }
        await parts.lease.resign()
        metrics.leading(false)
    }

    // MARK: - One cycle

    struct Outcome {
        var sets: [SetStatus]
        var actions: [String: [String: Int]] = [:]
        var applied: ApplyReport?
        var plan: Plan?
    }

    /// One cycle, which never throws: a failure is recorded, and the next cycle comes after the backoff.
    func cycle() async {
        let number = shared.withLock { shared -> Int in
            shared.cycles += 1
            shared.reachedThisCycle = false
            return shared.cycles
        }
        let started = ContinuousClock.now
        let startedAt = Timestamp.now()
        var leading = false
        do {
            if settings.gitPull { try await pull() }
            let expansion = try await parts.expand()
            let standing: LeaseStanding
            do {
                standing = try await parts.lease.acquire()
            } catch {
                throw ControllerFailure("cannot take the controller lease: \(error.message)")
            }
            leading = standing.isLeading
            noteLeadership(standing)
            let outcome = leading ? try await lead(expansion) : try await follow(expansion)
            // Without a refresh a cycle may send nothing: one that ended without an API error counts as ready.
            if !settings.refresh { reached(true) }
            finish(number: number, startedAt: startedAt, duration: ContinuousClock.now - started, leading: leading, outcome: outcome)
        } catch {
            // A request the API did not answer, or answered with an error, makes the controller unready until the
            // API answers again.
            if error is ClientError { reached(false) }
            let failure = error as? ControllerFailure ?? ControllerFailure(Self.message(of: error))
            fail(number: number, startedAt: startedAt, duration: ContinuousClock.now - started, leading: leading, failure: failure)
        }
    }

    private func lead(_ expansion: ExpansionResult) async throws -> Outcome {
        let desired = expansion.tasksByAddress
        let sets = settings.prune ? nil : expansion.changedSets
        var session = try await StateSession.open(
            .write(operation: "controller", lockTimeout: settings.lockTimeout, sets: sets), backend: parts.backend,
            endpoint: settings.endpoint, client: parts.client, desired: desired, observer: NoticeRelay(reconciler: self))
        return try await session.whileOpen { session in
            let live = settings.refresh ? try await session.refresh(client: parts.client, concurrency: settings.parallelism) : nil
            reached(true)
            var options = planOptions()
            options.startsDueRuns = !settings.detectOnly
            let plan = try session.plan(expansion, live: live, options: options)
            var report: ApplyReport?
            if !settings.detectOnly && plan.hasChanges && !stopping {
                var applyOptions = ApplyOptions()
                applyOptions.parallelism = settings.parallelism
                let cancellation = CancellationFlag()
                let stopped = shared.withLock { shared -> Bool in
                    shared.applying = cancellation
                    return shared.stopping
                }
                if stopped { cancellation.cancel() }
                defer { shared.withLock { $0.applying = nil } }
                report = try await session.apply(plan, desired: desired, client: parts.client, options: applyOptions,
                                                 observer: nil, cancellation: cancellation)
            }
            return outcome(expansion, plan: plan, state: session.state, live: live, report: report)
        }
    }

    /// A follower reads the shared state without its lock (the leader may hold it) and the live tasks, for status.
    private func follow(_ expansion: ExpansionResult) async throws -> Outcome {
        var session: StateSession?
        do {
            session = try await StateSession.open(.inspect, backend: parts.backend, endpoint: settings.endpoint, observer: nil)
        } catch let error as SessionError {
            // No state yet (the leader has not applied): everything is still to create.
            guard try await parts.backend.load() == nil else { throw error }
        }
        if let session { try session.state.checkEndpoint(settings.endpoint, stateDescription: parts.backend.description) }
        let live = settings.refresh && session != nil
            ? try await Refresh.live(for: session?.state, client: parts.client, concurrency: settings.parallelism) : nil
        if live != nil { reached(true) }
        var options = planOptions()
        options.secrets = session?.secrets ?? .unkeyed
        let plan = try Planner.plan(desired: expansion.tasks, moves: expansion.moves, sets: expansion.sets,
                                    state: session?.planningState, live: live, options: options)
        return outcome(expansion, plan: plan, state: session?.state, live: live ?? (session == nil ? [:] : nil), report: nil)
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

    private func outcome(_ expansion: ExpansionResult, plan: Plan, state: State?, live: [Int32: BatchTaskInfo]?,
                         report: ApplyReport?) -> Outcome {
        let applied = (report?.outcomes ?? []).map { ActionKindOutcome(address: $0.address, kind: $0.kind, succeeded: $0.status == .succeeded) }
        let sets = StatusModel.sets(expansion.sets.map { ($0.name, $0.taskCount) }, plan: plan, state: state, live: live, applied: applied)
        var actions: [String: [String: Int]] = [:]
        for outcome in report?.outcomes ?? [] { actions[outcome.kind.rawValue, default: [:]][outcome.status.result, default: 0] += 1 }
        return Outcome(sets: sets, actions: actions, applied: report, plan: plan)
    }

    // MARK: - Recording

    private func finish(number: Int, startedAt: String, duration: Duration, leading: Bool, outcome: Outcome) {
        var events: [ControllerEvent] = []
        var notifications: [(NotificationTrigger, String, [(String, JSONValue)])] = []
        let report = outcome.applied
        let scheduledRuns = Set(outcome.plan?.actions.lazy.filter { $0.kind == .run && $0.slot != nil }.map(\.address) ?? [])
        for (kind, results) in outcome.actions {
            for (result, count) in results { metrics.action(kind, result: result, count: count) }
        }
        for action in report?.outcomes ?? [] where action.kind == .run && scheduledRuns.contains(action.address) {
            switch action.status {
            case .succeeded:
                metrics.run("started")
                events.append(ControllerEvent(kind: .runStarted, message: "started the scheduled run of \(action.address)"))
            case .failed(let why):
                metrics.run("failed")
                events.append(ControllerEvent(kind: .runFailed, message: "the scheduled run of \(action.address) failed: \(why)"))
            case .skipped(let why):
                metrics.run("skipped")
                events.append(ControllerEvent(kind: .runSkipped, message: "skipped the scheduled run of \(action.address): \(why)"))
            }
        }
        let succeeded = report?.outcomes.count { $0.status == .succeeded && $0.kind != .noop } ?? 0
        let failedActions = report?.failed ?? []
        if succeeded > 0 {
            let summary = outcome.actions.sorted { $0.key < $1.key }.map { kind, results in "\(results["succeeded"] ?? 0) \(kind)" }
                .filter { !$0.hasPrefix("0 ") }.joined(separator: ", ")
            events.append(ControllerEvent(kind: .deployed, message: "applied \(summary)"))
            notifications.append((.deployed, "applied \(summary)", [("actions", ControllerStatus.json(actions: outcome.actions))]))
        }
        let now = Date()
        shared.withLock { shared in
            // Missed slots of scheduled tasks, each told once.
            for task in outcome.plan?.schedules ?? [] where task.missed > 0 {
                let previous = shared.missedReported[task.address]
                let new = previous?.since == task.since ? task.missed - (previous?.count ?? 0) : task.missed
                shared.missedReported[task.address] = (task.since, task.missed)
                guard leading, new > 0 else { continue }
                for _ in 0..<new { metrics.run("skipped") }
                events.append(ControllerEvent(kind: .runSkipped, message: "\(task.address) missed \(new) slot\(new == 1 ? "" : "s") (the last at \(task.lastMissed ?? "?")), past its startingDeadline or superseded by a later one"))
            }
            // Drift as the refresh found it, before a self-heal reverted it: told once per task until it goes away.
            let drifted = Set(outcome.plan?.drift.map(\.address) ?? [])
            let fresh = drifted.subtracting(shared.previousDrift).sorted()
            if !fresh.isEmpty {
                let shown = fresh.prefix(10).joined(separator: ", ") + (fresh.count > 10 ? " and \(fresh.count - 10) more" : "")
                let what = settings.selfHeal ? (settings.detectOnly ? " (detect only: not reverted)" : " (planned back: --self-heal)")
                    : " (reported; --self-heal reverts drift)"
                let message = "\(fresh.count) task\(fresh.count == 1 ? "" : "s") changed outside batchctl or gone: \(shown)" + what
                events.append(ControllerEvent(kind: .driftDetected, message: message))
                notifications.append((.healthDegraded, message, [("drifted", .array(fresh.map(JSONValue.string)))]))
            }
            shared.previousDrift = drifted
            let failedCycle = !failedActions.isEmpty || report?.interrupted == true
            var status = shared.status
            if failedCycle {
                let message = "\(failedActions.count) action\(failedActions.count == 1 ? "" : "s") failed: "
                    + failedActions.prefix(5).map { action -> String in
                        if case .failed(let why) = action.status { return "\(action.address) (\(why))" }
                        return action.address
                    }.joined(separator: "; ")
                status.consecutiveFailures += 1
                events.append(ControllerEvent(kind: .cycleFailed, message: message))
                if shared.lastFailure != message { notifications.append((.syncFailed, message, [])) }
                shared.lastFailure = message
            } else {
                if status.consecutiveFailures > 0 {
                    events.append(ControllerEvent(kind: .cycleRecovered, message: "cycle #\(number) succeeded after \(status.consecutiveFailures) failed"))
                }
                status.consecutiveFailures = 0
                status.lastSuccess = Timestamp.string(now)
                shared.lastFailure = nil
            }
            status.leading = leading
            status.sets = outcome.sets
            status.lastCycle = CycleSummary(
                number: number, started: startedAt, duration: duration, result: failedCycle ? .failure : .success,
                error: failedCycle ? shared.lastFailure ?? "actions failed" : nil, actions: outcome.actions,
                reachedAPI: shared.reachedThisCycle, leading: leading)
            for event in events { status.record(event) }
            shared.status = status
            metrics.cycle(failedCycle ? .failure : .success, duration: duration, endedAt: now.timeIntervalSince1970)
        }
        metrics.sets(outcome.sets)
        for event in events { log(event) }
        let status = self.status
        for (trigger, message, details) in notifications { notifier.send(trigger, message: message, status: status, details: details) }
    }

    private func fail(number: Int, startedAt: String, duration: Duration, leading: Bool, failure: ControllerFailure) {
        let event = ControllerEvent(kind: .cycleFailed, message: failure.message)
        let notify = shared.withLock { shared -> Bool in
            shared.status.consecutiveFailures += 1
            shared.status.leading = leading
            shared.status.lastCycle = CycleSummary(
                number: number, started: startedAt, duration: duration, result: .failure, error: failure.message, actions: [:],
                reachedAPI: shared.reachedThisCycle, leading: leading)
            // The sets keep their last known status, but nothing is known to be in sync now.
            for index in shared.status.sets.indices { shared.status.sets[index].sync = .unknown }
            shared.status.record(event)
            let changed = shared.lastFailure != failure.message
            shared.lastFailure = failure.message
            return changed
        }
        metrics.cycle(.failure, duration: duration, endedAt: Date().timeIntervalSince1970)
        metrics.sets(status.sets)
        log(event)
        if notify { notifier.send(.syncFailed, message: failure.message, status: status) }
    }

    private func reached(_ reachable: Bool) {
        shared.withLock { shared in
            shared.apiReachable = reachable
            shared.reachedThisCycle = reachable
        }
    }

    private func noteLeadership(_ standing: LeaseStanding) {
        let change = shared.withLock { shared -> ControllerEvent? in
            let was = shared.status.leading
            let holder: String?
            switch standing {
            case .leading: holder = nil
            case .following(let info): holder = "pid \(info.pid) on \(info.host) since \(info.created)"
            }
            shared.status.leader = holder
            guard was != standing.isLeading || shared.cycles == 1 else { return nil }
            shared.status.leading = standing.isLeading
            switch standing {
            case .leading(let tookOver):
                let from = tookOver.map { " (taking over from pid \($0.pid) on \($0.host))" } ?? ""
                return ControllerEvent(kind: .leading, message: "this controller leads and applies\(from)")
            case .following:
                return ControllerEvent(kind: .following, message: "another controller leads (\(holder ?? "?")); this one serves status")
            }
        }
        metrics.leading(standing.isLeading)
        if let change {
            shared.withLock { $0.status.record(change) }
            log(change)
        }
    }

    func noticed(_ notice: SessionNotice) {
        let event = ControllerEvent(kind: .notice, message: notice.message)
        shared.withLock { $0.status.record(event) }
        log(event)
    }

    private func log(_ event: ControllerEvent) {
        switch event.kind {
        case .cycleFailed, .runFailed: parts.logger.error("\(event.kind.rawValue): \(event.message)")
        case .driftDetected, .runSkipped: parts.logger.warning("\(event.kind.rawValue): \(event.message)")
        default: parts.logger.info("\(event.kind.rawValue): \(event.message)")
        }
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

    // MARK: - git

    /// `git pull --ff-only` in the manifests' folder, with at most a minute; its failure fails the cycle, so nothing is
    /// applied from a tree that could not be brought up to date.
    private func pull() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", parts.directory, "pull", "--ff-only", "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ControllerFailure("cannot run git: \(error.localizedDescription)")
        }
        let deadline = Task {
            try? await Task.sleep(for: .seconds(60))
            if !Task.isCancelled && process.isRunning { process.terminate() }
        }
        let output = await Task.detached { errors.fileHandleForReading.readDataToEndOfFile() }.value
        process.waitUntilExit()
        deadline.cancel()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " ")
            throw ControllerFailure("git pull --ff-only failed in \(parts.directory): \(text.isEmpty ? "exit \(process.terminationStatus)" : text)")
        }
    }
}

/// Session notices (a journal recovered, a stale lock taken over) become events.
private struct NoticeRelay: SessionObserver {
    let reconciler: Reconciler

    func notice(_ notice: SessionNotice) {
        reconciler.noticed(notice)
    }
}

extension ActionOutcome.Status {
    /// The metrics' and the status's name of the result: `succeeded`, `failed` or `skipped`.
    var result: String {
        switch self {
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .skipped: return "skipped"
        }
    }
}
