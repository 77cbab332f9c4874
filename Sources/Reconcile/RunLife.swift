import BatchTask
import DesiredTasks
import Foundation
import Planning
import Schedule
import State

/// What becomes of a task's current run once batchctl looks at it: a pure decision, made the same way by
/// `run --due`, the controller and `--wait`, so a run is settled once whoever looks first.
///
/// `verdict` reads what was seen; `settle` gives the entry and the events of a run that ended (or timed out). The
/// caller does the I/O: the Stop of a run past its timeout, and recording the settled entry.
public struct RunLife: Sendable {
    public var address: String
    public var policy: RunPolicy
    /// The task's state entry; its current run is the one looked at.
    public var entry: StateEntry

    /// What a look at the current run comes to.
    public enum Verdict: Equatable, Sendable {
        /// Settled before: nothing to do.
        case settled
        /// Still going, within its timeout (or in a State batchctl does not act on).
        case running
        /// Still New, Aquired or Started at its `run.timeout`: stop it, then settle it as timed out.
        case timedOut
        /// Ended: settle it so.
        case ended(RunOutcome)
    }

    public init(address: String, policy: RunPolicy, entry: StateEntry) {
        self.address = address
        self.policy = policy
        self.entry = entry
    }

    /// The run seen in `state` at `now`.
    public func verdict(_ state: BatchTaskState?, now: Date) -> Verdict {
        guard entry.outcome == nil else { return .settled }
        switch state {
        case .succeeded?, .succeededManualCleanup?: return .ended(.succeeded)
        case .failed?: return .ended(.failed)
        default:
            guard let deadline = deadline, (state?.isInProgress ?? true), now >= deadline else { return .running }
            return .timedOut
        }
    }

    /// When the current run is past its timeout; nil when it has none.
    public var deadline: Date? {
        guard let timeout = policy.timeout, let started = Timestamp.date(entry.appliedAt) else { return nil }
        return started.addingTimeInterval(timeout)
    }

    /// The entry once the run is settled as `outcome` at `now`, and what happened to tell of. `state` and `result`
    /// are as the server gave them (the result already redacted); `stopNote` says what came of the Stop of a run
    /// that timed out.
    public func settle(_ outcome: RunOutcome, state: String?, result: String?, now: Date,
                       stopNote: String? = nil) -> (entry: StateEntry, events: [RunEvent]) {
        var settled = entry
        settled.outcome = outcome
        if let state { settled.lastState = state }
        let at = Timestamp.string(now)
        func event(_ trigger: RunEvent.Trigger, _ message: String, retryAt: String? = nil) -> RunEvent {
            RunEvent(trigger: trigger, address: address, runID: entry.id, slot: entry.slot, attempt: entry.attempt, state: state,
                     result: result, retryAt: retryAt, message: message)
        }
        var events: [RunEvent] = []
        let run = "\(address) run \(entry.id) (attempt \(entry.attempt))"
        if outcome == .timedOut, let timeout = policy.timeout {
            let stopped = stopNote.map { ": \($0)" } ?? ""
            events.append(event(.timeout, "\(run) was still \(state ?? "going") after its timeout of \(DurationText.format(timeout))\(stopped)"))
        }
        guard outcome.isFailure else {
            settled.failures = 0
            settled.retryAt = nil
            events.append(event(.succeeded, "\(run) succeeded"))
            return (settled, events)
        }
        let how = outcome == .timedOut ? "timed out" : "failed"
        if policy.retry.retries(afterAttempt: entry.attempt) {
            let retryAt = Timestamp.string(now.addingTimeInterval(policy.retry.delay(afterAttempt: entry.attempt)))
            settled.retryAt = retryAt
            let label = ScheduledTask.PendingRetry(attempt: entry.attempt + 1, limit: policy.retry.limit, at: retryAt).label
            events.append(event(.retry, "\(run) \(how); \(label) is due at \(retryAt)", retryAt: retryAt))
            return (settled, events)
        }
        settled.retryAt = nil
        settled.failures += 1
        let spent = policy.retry.limit == 0 ? "" : " with its \(policy.retry.limit) retr\(policy.retry.limit == 1 ? "y" : "ies") spent"
        events.append(event(.failed, "\(run) \(how)\(spent)"))
        if let pause = policy.pauseAfterFailures, settled.failures >= pause, settled.suspension == nil {
            let reason = "paused after \(settled.failures) failed run\(settled.failures == 1 ? "" : "s")"
            settled.suspension = Suspension(by: "batchctl", at: at, reason: reason, afterFailures: true)
            events.append(event(.paused, "\(address) is \(reason); `batchctl schedule resume \(address)` starts it again"))
        }
        return (settled, events)
    }
}
