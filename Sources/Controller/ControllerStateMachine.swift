import Foundation
import JSON
import Planning
import Reconcile
import State

/// The controller's bookkeeping as a value: what a cycle's outcome means for the status, the metrics, the log and
/// the notifications, and when the next cycle comes.
///
/// It does no I/O and reads no clock: the `Reconciler` tells it what happened (a cycle started, the lease was
/// taken, the API answered, the cycle finished or failed, a wake, a stop) with the time, and carries out the effects
/// it returns, in order. Every rule (backoff, notifications told once, readiness, missed slots counted once) can
/// so be tested without a server or a clock, as `ExecutionSchedule` is for the executor.
struct ControllerStateMachine {
    /// A step of a cycle, which the driver carries out in order; the first that fails ends the cycle.
    enum CycleStep: Sendable, Hashable {
        /// `git pull --ff-only` in the manifests' folder.
        case pullManifests
        /// Read and expand the manifests.
        case expandManifests
        /// Take or keep the controller lease; `leaseTaken` tells the standing.
        case takeLease
        /// Lead (plan and apply under the state's lock) or follow (plan for the status only).
        case reconcile
    }

    /// A notification for the notifiers, sent with the status as it stands after the event.
    struct Notification {
        var trigger: NotificationTrigger
        var message: String
        var details: [(String, JSONValue)] = []
    }

    /// What a cycle that got as far as a plan saw and did.
    struct CycleReport {
        var sets: [SetStatus]
        var plan: Plan?
        /// What the cycle carried out; empty when it applied nothing.
        var applied: [AppliedAction] = []
        /// Whether a stop ended the apply before every action was carried out.
        var interrupted = false
        /// What happened to runs (failed, retried, timed out, paused), their texts already redacted.
        var runEvents: [RunEvent] = []
        /// How the current run of each task ended, as the state settled it (by address).
        var lastResults: [String: RunOutcome] = [:]
        /// The tasks suspended by command or paused after failures, by address.
        var suspended: [(address: String, suspension: Suspension)] = []
        /// The runs waiting for what they depend on.
        var pending: [(address: String, run: PendingRun)] = []
    }

    /// What the driver does next.
    enum Effect {
        /// Carry out these steps, then tell `cycleFinished` or `cycleFailed`.
        case runCycle(number: Int, steps: [CycleStep])
        case log(ControllerEvent)
        case notify(Notification)
        /// Send the notifications of these run events.
        case notifyRuns([RunEvent])
        /// How the last run of each task ended (by address).
        case recordLastResults([String: RunOutcome])
        case recordLeading(Bool)
        case recordActions(ActionCounts)
        case recordRuns(RunCounts)
        case recordCycle(CycleSummary.Result, duration: Duration, endedAt: Date)
        case recordSets([SetStatus])
        /// Wait this long for the next cycle, unless woken.
        case sleep(Duration)
        /// End the wait now, or the next one as soon as it begins.
        case endSleep
        /// Let the requests in flight finish and send no new one.
        case cancelApply
        /// The loop is over: let go of the lease.
        case resignLease
    }

    /// What was said of a scheduled task's missed slots: the slot counted from, and how many.
    private struct MissedSlots {
        var since: String?
        var count: Int
    }

    private struct CycleInProgress {
        var number = 0
        var started = ""
        var leading = false
        /// Whether the API answered in this cycle.
        var reachedAPI = false
    }

    let settings: ControllerSettings
    private(set) var status: ControllerStatus
    /// Whether the API answered the last time it was asked (`/readyz`): nil before the first time.
    private(set) var apiReachable: Bool?
    private(set) var stopping = false
    private var cycle = CycleInProgress()
    private var previousDrift: Set<String> = []
    private var lastFailure: String?
    private var missedReported: [String: MissedSlots] = [:]

    init(settings: ControllerSettings, stateDescription: String, started: String) {
        self.settings = settings
        let mode = [settings.detectOnly ? "detect only" : "applies changes",
                    settings.selfHeal ? "self-heals drift" : "reports drift",
                    settings.prune ? "prunes" : "keeps what left the manifests"].joined(separator: ", ")
        status = ControllerStatus(
            workspace: settings.workspace, endpoint: settings.endpoint, stateDescription: stateDescription,
            mode: mode.prefix(1).uppercased() + mode.dropFirst(), leading: false, started: started, interval: settings.interval)
    }

    // MARK: - Events

    /// A cycle begins at `time`: its steps.
    mutating func cycleStarted(at time: String) -> [Effect] {
        cycle = CycleInProgress(number: cycle.number + 1, started: time)
        var steps: [CycleStep] = settings.gitPull ? [.pullManifests] : []
        steps += [.expandManifests, .takeLease, .reconcile]
        return [.runCycle(number: cycle.number, steps: steps)]
    }

    /// The lease was taken (this controller leads) or is held by another (it follows).
    mutating func leaseTaken(_ standing: LeaseStanding, at time: String) -> [Effect] {
        let leads = standing.isLeading
        let was = status.leading
        cycle.leading = leads
        let holder: String?
        switch standing {
        case .leading: holder = nil
        case .following(let info): holder = "pid \(info.pid) on \(info.host) since \(info.created)"
        }
        status.leader = holder
        guard was != leads || cycle.number == 1 else { return [.recordLeading(leads)] }
        status.leading = leads
        let event: ControllerEvent
        switch standing {
        case .leading(let tookOver):
            let from = tookOver.map { " (taking over from pid \($0.pid) on \($0.host))" } ?? ""
            event = ControllerEvent(time: time, kind: .leading, message: "this controller leads and applies\(from)")
        case .following:
            event = ControllerEvent(time: time, kind: .following, message: "another controller leads (\(holder ?? "?")); this one serves status")
        }
        status.record(event)
        return [.recordLeading(leads), .log(event)]
    }

    /// The API answered a request of this cycle (`true`), or did not or refused it (`false`).
    mutating func apiAnswered(_ answered: Bool) {
        apiReachable = answered
        cycle.reachedAPI = answered
    }

    /// The state session noticed something worth an event (a journal recovered, a stale lock taken over).
    mutating func noticed(_ message: String, at time: String) -> [Effect] {
        let event = ControllerEvent(time: time, kind: .notice, message: message)
        status.record(event)
        return [.log(event)]
    }

    /// The cycle got as far as a plan (and maybe applied it); `now` is when it ended.
    mutating func cycleFinished(_ report: CycleReport, duration: Duration, now: Date) -> [Effect] {
        let time = Timestamp.string(now)
        let actions = ActionCounts(report.applied)
        var runs = RunCounts()
        var events = scheduledRunEvents(report, runs: &runs, time: time)
        var notifications: [Notification] = []
        if report.applied.contains(where: { $0.result == .succeeded && $0.kind != .noop }) {
            let message = "applied \(actions.succeededSummary)"
            events.append(ControllerEvent(time: time, kind: .deployed, message: message))
            notifications.append(Notification(trigger: .deployed, message: message, details: [("actions", ControllerStatus.json(actions: actions))]))
        }
        // Missed slots are told here, each once, whoever else reported them.
        var runEvents = report.runEvents.filter { $0.trigger != .missed }
        events += missedSlotEvents(report.plan, runs: &runs, told: &runEvents, time: time)
        if let drift = driftEvent(report.plan, time: time) {
            events.append(drift.event)
            notifications.append(drift.notification)
        }
        let failed = report.applied.filter { $0.result == .failed }
        let failedCycle = !failed.isEmpty || report.interrupted
        if failedCycle {
            let message = "\(failed.count) action\(failed.count == 1 ? "" : "s") failed: "
                + failed.prefix(5).map { action in action.reason.map { "\(action.address) (\($0))" } ?? action.address }.joined(separator: "; ")
            status.consecutiveFailures += 1
            events.append(ControllerEvent(time: time, kind: .cycleFailed, message: message))
            if lastFailure != message { notifications.append(Notification(trigger: .syncFailed, message: message)) }
            lastFailure = message
        } else {
            if status.consecutiveFailures > 0 {
                events.append(ControllerEvent(time: time, kind: .cycleRecovered,
                                              message: "cycle #\(cycle.number) succeeded after \(status.consecutiveFailures) failed"))
            }
            status.consecutiveFailures = 0
            status.lastSuccess = time
            lastFailure = nil
        }
        status.leading = cycle.leading
        status.sets = report.sets
        status.suspended = report.suspended
        status.pending = report.pending
        status.lastCycle = CycleSummary(
            number: cycle.number, started: cycle.started, duration: duration, result: failedCycle ? .failure : .success,
            error: failedCycle ? lastFailure ?? "actions failed" : nil, actions: actions, reachedAPI: cycle.reachedAPI, leading: cycle.leading)
        for event in events { status.record(event) }
        runs.add(.retried, count: runEvents.count { $0.trigger == .retry })
        let records: [Effect] = [.recordActions(actions), .recordRuns(runs),
                                 .recordCycle(failedCycle ? .failure : .success, duration: duration, endedAt: now), .recordSets(report.sets),
                                 .recordLastResults(Self.lastResults(report))]
        return records + events.map(Effect.log) + notifications.map(Effect.notify)
            + (runEvents.isEmpty ? [] : [.notifyRuns(runEvents)])
    }

    /// The cycle failed before it had a plan, or its plan was refused; `now` is when it ended.
    mutating func cycleFailed(_ message: String, duration: Duration, now: Date) -> [Effect] {
        let event = ControllerEvent(time: Timestamp.string(now), kind: .cycleFailed, message: message)
        status.consecutiveFailures += 1
        status.leading = cycle.leading
        status.lastCycle = CycleSummary(
            number: cycle.number, started: cycle.started, duration: duration, result: .failure, error: message, actions: ActionCounts(),
            reachedAPI: cycle.reachedAPI, leading: cycle.leading)
        // The sets keep their last known status, but nothing is known to be in sync now.
        for index in status.sets.indices { status.sets[index].sync = .unknown }
        status.record(event)
        // The same failure again (a retry that fails alike) is not told again.
        let told = lastFailure != message
        lastFailure = message
        let effects: [Effect] = [.recordCycle(.failure, duration: duration, endedAt: now), .recordSets(status.sets), .log(event)]
        return effects + (told ? [.notify(Notification(trigger: .syncFailed, message: message))] : [])
    }

    /// After a cycle, unless stopping: the wait for the next, the interval after a success and the backoff after
    /// failures; `draw` is a uniform number in -1...1 for the jitter.
    mutating func nextCycle(draw: Double, now: Date) -> [Effect] {
        guard !stopping else { return [] }
        let backoff = Backoff(interval: settings.interval, jitter: settings.jitter)
        let delay = backoff.jittered(backoff.delay(failures: status.consecutiveFailures), draw: draw)
        status.nextCycle = Timestamp.string(now.addingTimeInterval(delay.seconds))
        return [.sleep(delay)]
    }

    /// A cycle was asked for (SIGHUP, `POST /reconcile`): now, or right after the one in progress.
    func wake() -> [Effect] {
        [.endSleep]
    }

    /// Stop: no new request, those in flight finish, no further cycle.
    mutating func stop() -> [Effect] {
        stopping = true
        return [.cancelApply, .endSleep]
    }

    /// The loop has ended after a stop.
    func loopEnded() -> [Effect] {
        [.resignLease, .recordLeading(false)]
    }

    // MARK: - Rules

    /// How each task's last run ended: as the state settled it, or else as the cycle's run events tell.
    static func lastResults(_ report: CycleReport) -> [String: RunOutcome] {
        var results = report.lastResults
        for event in report.runEvents where results[event.address] == nil {
            switch event.trigger {
            case .succeeded: results[event.address] = .succeeded
            case .failed, .retry, .paused: results[event.address] = .failed
            case .timeout: results[event.address] = .timedOut
            case .missed: break
            }
        }
        return results
    }

    /// The runs of scheduled tasks the cycle started, or that failed or were skipped.
    private func scheduledRunEvents(_ report: CycleReport, runs: inout RunCounts, time: String) -> [ControllerEvent] {
        let scheduled = Set(report.plan?.actions.lazy.filter { $0.kind == .run && $0.slot != nil }.map(\.address) ?? [])
        var events: [ControllerEvent] = []
        for action in report.applied where action.kind == .run && scheduled.contains(action.address) {
            let why = action.reason ?? ""
            switch action.result {
            case .succeeded:
                runs.add(.started)
                events.append(ControllerEvent(time: time, kind: .runStarted, message: "started the scheduled run of \(action.address)"))
            case .failed:
                runs.add(.failed)
                events.append(ControllerEvent(time: time, kind: .runFailed, message: "the scheduled run of \(action.address) failed: \(why)"))
            case .skipped:
                runs.add(.skipped)
                events.append(ControllerEvent(time: time, kind: .runSkipped, message: "skipped the scheduled run of \(action.address): \(why)"))
            }
        }
        return events
    }

    /// Missed slots of scheduled tasks, each told (and counted) once, by the leader only; `told` gains an
    /// `on-run-missed` event per task that missed new slots.
    private mutating func missedSlotEvents(_ plan: Plan?, runs: inout RunCounts, told: inout [RunEvent], time: String) -> [ControllerEvent] {
        var events: [ControllerEvent] = []
        for task in plan?.schedules ?? [] where task.missed > 0 {
            let previous = missedReported[task.address]
            let new = previous?.since == task.since ? task.missed - (previous?.count ?? 0) : task.missed
            missedReported[task.address] = MissedSlots(since: task.since, count: task.missed)
            guard cycle.leading, new > 0 else { continue }
            runs.add(.skipped, count: new)
            let message = "\(task.address) missed \(new) slot\(new == 1 ? "" : "s") (the last at \(task.lastMissed ?? "?")), past its startingDeadline or superseded by a later one"
            events.append(ControllerEvent(time: time, kind: .runSkipped, message: message))
            told.append(RunEvent(trigger: .missed, address: task.address, slot: task.lastMissed, message: message))
        }
        return events
    }

    /// Drift as the refresh found it, before a self-heal reverted it: told once per task until it goes away.
    private mutating func driftEvent(_ plan: Plan?, time: String) -> (event: ControllerEvent, notification: Notification)? {
        let drifted = Set(plan?.drift.map(\.address) ?? [])
        let fresh = drifted.subtracting(previousDrift).sorted()
        previousDrift = drifted
        guard !fresh.isEmpty else { return nil }
        let shown = fresh.prefix(10).joined(separator: ", ") + (fresh.count > 10 ? " and \(fresh.count - 10) more" : "")
        let what = settings.selfHeal ? (settings.detectOnly ? " (detect only: not reverted)" : " (planned back: --self-heal)")
            : " (reported; --self-heal reverts drift)"
        let message = "\(fresh.count) task\(fresh.count == 1 ? "" : "s") changed outside batchctl or gone: \(shown)" + what
        return (ControllerEvent(time: time, kind: .driftDetected, message: message),
                Notification(trigger: .healthDegraded, message: message, details: [("drifted", .array(fresh.map(JSONValue.string)))]))
    }
}
