import Foundation
import Planning

/// Something that happened to a run which someone may want to be told: each is a trigger of run notifications.
public struct RunEvent: Sendable, Hashable {
    /// The triggers, named as the controller's notification triggers are.
    public enum Trigger: String, CaseIterable, Sendable {
        /// The run failed (or timed out) with its retries spent.
        case failed = "on-run-failed"
        /// The run failed (or timed out) and another attempt is due at `retryAt`.
        case retry = "on-run-retry"
        /// The run was still going at its `run.timeout` and was stopped (or could not be).
        case timeout = "on-run-timeout"
        /// A slot was skipped: it was past its startingDeadline.
        case missed = "on-run-missed"
        /// The task was paused after `run.pauseAfterFailures` failed runs.
        case paused = "on-run-paused"
        /// The run ended Succeeded; sent only when asked for.
        case succeeded = "on-run-succeeded"
    }

    public var trigger: Trigger
    public var address: String
    /// The task id of the run, when there is one.
    public var runID: Int32?
    /// The schedule slot the run was started for (ISO 8601 UTC).
    public var slot: String?
    /// Which attempt of its slot the run was.
    public var attempt: Int
    /// The State the run was last seen in (`Failed`).
    public var state: String?
    /// The job's Result as the server gave it, sensitive values already redacted.
    public var result: String?
    /// When the next attempt is due, for `on-run-retry` (ISO 8601 UTC).
    public var retryAt: String?
    /// One line for people.
    public var message: String

    public init(trigger: Trigger, address: String, runID: Int32? = nil, slot: String? = nil, attempt: Int = 1, state: String? = nil,
                result: String? = nil, retryAt: String? = nil, message: String) {
        self.trigger = trigger
        self.address = address
        self.runID = runID
        self.slot = slot
        self.attempt = attempt
        self.state = state
        self.result = result
        self.retryAt = retryAt
        self.message = message
    }
}

extension RunEvent {
    /// The slots `run --due` skips: one event per scheduled task that missed any, as the plan counts them. A plan
    /// made without `startsDueRuns` skips nothing.
    public static func missed(in plan: Plan) -> [RunEvent] {
        guard plan.startsDueRuns else { return [] }
        return plan.schedules.filter { $0.missed > 0 }.map { task in
            let count = task.missedIsLowerBound ? "at least \(task.missed)" : "\(task.missed)"
            let last = task.wallClock(task.lastMissed).map { ", the last at \($0)" } ?? ""
            return RunEvent(trigger: .missed, address: task.address, slot: task.lastMissed, attempt: 1,
                            message: "\(task.address) missed \(count) slot\(task.missed == 1 ? "" : "s")\(last): past its startingDeadline or superseded by a later one")
        }
    }
}
