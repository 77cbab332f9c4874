import BatchTask
import DesiredTasks
import Planning
import Reconcile
import State

/// The outcomes of a `--wait` loop's passes folded into one report: the first pass's actions, each followed
/// address's outcome saying how its last run ended (with the retries that came before it), and every pass's events.
struct WaitTally {
    let desired: [String: DesiredTask]
    let waitTimeout: Duration
    /// The addresses the loop follows: what its passes started, and what they left pending.
    private(set) var follows: Set<String> = []
    /// What the polls last saw of each run, by id (nil inside: gone).
    var seen: [Int32: BatchTaskInfo?] = [:]
    private var outcomes: [ActionOutcome] = []
    /// Per address, what came before its last run: `task 5 failed; retry 1/2 is task 6`.
    private var notes: [String: [String]] = [:]
    private var events: [RunEvent] = []
    private var interrupted = false
    private var stoppedBecause: String?
    private var stillPending: [String] = []

    init(desired: [String: DesiredTask], waitTimeout: Duration) {
        self.desired = desired
        self.waitTimeout = waitTimeout
    }

    /// What starts a run that the loop then follows.
    private static let starting: Set<ActionKind> = [.create, .replace, .run, .update]

    /// A pass's report. A later pass's action at an address the first pass acted on (a retry) is told in that
    /// address's outcome; one at a new address (a pending run that started) is an outcome of its own.
    mutating func add(_ report: ApplyReport, first: Bool) {
        for outcome in report.outcomes {
            if outcome.status == .succeeded, outcome.id != nil, Self.starting.contains(outcome.kind) { follows.insert(outcome.address) }
            if first || !outcomes.contains(where: { $0.address == outcome.address }) {
                outcomes.append(outcome)
            } else if case .failed(let why) = outcome.status {
                notes[outcome.address, default: []].append("\(outcome.kind.rawValue) failed: \(why)")
            } else if case .skipped(let why) = outcome.status {
                notes[outcome.address, default: []].append(why)
            }
        }
        follows.formUnion(report.stillPending)
        events += report.runEvents
        interrupted = interrupted || report.interrupted
        stoppedBecause = stoppedBecause ?? report.stoppedBecause
        stillPending = report.stillPending
    }

    /// Retries a later pass started, told as the wait in process told them.
    mutating func noteRetries(_ report: ApplyReport, before: State) {
        for outcome in report.outcomes where outcome.kind == .run && outcome.status == .succeeded {
            guard let new = outcome.id, let old = before.tasks[outcome.address], old.outcome?.isFailure == true else { continue }
            let label = ScheduledTask.PendingRetry(attempt: old.attempt + 1, limit: desired[outcome.address]?.run.retry.limit ?? 0, at: "").label
            notes[outcome.address, default: []].append(
                "task \(old.id) \(old.outcome == .timedOut ? "timed out" : "failed"); \(label) is task \(new)" + (outcome.detail.map { " (\($0))" } ?? ""))
        }
    }

    /// The loop's report from the state its last pass saved; `waiting`: what was still followed when it ended
    /// (nil: the loop stopped early, and the outcomes stand as the passes gave them).
    func report(state: State, waiting: FollowedRuns?) -> ApplyReport {
        var all = outcomes
        if waiting != nil {
            for index in all.indices where follows.contains(all[index].address) && all[index].status == .succeeded {
                guard let entry = state.tasks[all[index].address] else { continue }
                let (status, detail) = final(all[index].address, entry, stillPending: stillPending.contains(all[index].address))
                all[index].status = status
                all[index].id = entry.id
                all[index].detail = [all[index].detail, detail].compactMap { $0 }.joined(separator: "; ")
            }
        }
        var report = ApplyReport(outcomes: all, interrupted: interrupted)
        report.stoppedBecause = stoppedBecause
        report.runEvents = events
        report.stillPending = stillPending
        return report
    }

    /// How the address's last run ended, as its outcome says it.
    private func final(_ address: String, _ entry: StateEntry, stillPending: Bool) -> (ActionOutcome.Status, String?) {
        let before = notes[address] ?? []
        func failed(_ why: String) -> (ActionOutcome.Status, String?) { (.failed((before + [why]).joined(separator: "; ")), nil) }
        if stillPending { return failed("still pending after --wait-timeout: it waits for what it depends on") }
        let seen = seen[entry.id] ?? nil
        switch entry.outcome {
        case nil:
            var current = seen ?? BatchTaskInfo()
            if seen == nil { current.state = entry.lastState.map(BatchTaskState.init(rawValue:)) }
            return failed(Executor.unfinished(current, id: entry.id, after: waitTimeout))
        case .succeeded?:
            let words = before + ["job \(entry.lastState ?? BatchTaskState.succeeded.rawValue)"]
            return (.succeeded, words.joined(separator: "; "))
        case .failed?, .timedOut?:
            var why: String
            if entry.outcome == .timedOut {
                why = events.last { $0.address == address && $0.trigger == .timeout }?.message ?? "timed out"
            } else {
                let result = seen?.result ?? events.last { $0.address == address && $0.runID == entry.id }?.result
                why = "job Failed" + (result.map { ": \(desired[address]?.redacting($0) ?? $0)" } ?? "")
            }
            if let task = desired[address], let at = entry.retryAt, task.run.retry.retries(afterAttempt: entry.attempt) {
                let label = ScheduledTask.PendingRetry(attempt: entry.attempt + 1, limit: task.run.retry.limit, at: at).label
                why += "; \(label) is due at \(at), after --wait-timeout: `run --due` starts it"
            }
            return failed(why)
        }
    }
}
