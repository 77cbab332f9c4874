import Foundation
import Schedule

/// The `run` block of a task: when batchctl starts a new run of it, how many finished runs it keeps, and what a
/// run that is due does while the last one is still going.
///
/// A batch task is one execution of a job: a run is a new task with the same fields, and the runs before it are
/// the task's history.
public struct RunPolicy: Hashable, Sendable {
    /// A setting of the block, spelled as manifests spell it.
    public enum Key: String, CaseIterable, Sendable {
        case when, schedule, timeZone, history, concurrency, startingDeadline, retry, timeout, suspend, pauseAfterFailures, catchUp
    }

    /// Which of the slots missed since the last run start when the task is next looked at.
    public enum CatchUp: String, CaseIterable, Sendable {
        /// The latest slot only, within `startingDeadline`; the others are counted as missed.
        case latest
        /// Every missed slot within `startingDeadline`, at most `RunPolicy.catchUpLimit` (the latest ones), oldest
        /// first, each with its own `${run.slot}`, started in turn under the task's `concurrency`.
        case all
    }

    /// Slots `catchUp: all` replays at most.
    public static let catchUpLimit = 100

    /// What starts a new run besides `batchctl run`.
    public enum When: String, CaseIterable, Sendable {
        /// Created once, updated in place, replaced when an immutable field changes (as batchctl always did).
        case once
        /// Any change to the task's fields, updatable ones included, starts a new run.
        case onChange
        /// A new run each time the schedule is due (`batchctl run --due`, or the controller).
        case schedule
    }

    /// What a run that is due, or asked for, does while the current run is still New, Aquired or Started.
    public enum Concurrency: String, CaseIterable, Sendable {
        /// It is not started; the current run goes on (`run` says so, `run --due` reports it skipped).
        case forbid
        /// It starts beside the current run.
        case allow
        /// The current run is stopped first.
        case replace
    }

    public static let defaultHistory = 5
    /// Finished runs kept, at most.
    public static let historyRange = 0...100

    public var when: When = .once
    /// Set exactly when `when` is `.schedule`.
    public var schedule: RunSchedule?
    /// Finished runs kept on the server and in the state besides the current one; older ones are deleted.
    public var history = RunPolicy.defaultHistory
    public var concurrency: Concurrency = .forbid
    /// How a run that ends Failed, or times out, is started again.
    public var retry = RetryPolicy()
    /// How long a run may stay New, Aquired or Started after it was started before it is stopped; nil: no bound.
    public var timeout: TimeInterval?
    /// Set in the manifest: no scheduled run, retry or catch-up starts while it is.
    public var suspend = false
    /// After this many consecutive failed runs (retries spent) of a scheduled task, it is paused; nil: never.
    public var pauseAfterFailures: Int?
    public var catchUp: CatchUp = .latest

    public static let pauseAfterFailuresRange = 1...1000

    public init(when: When = .once, schedule: RunSchedule? = nil, history: Int = RunPolicy.defaultHistory,
                concurrency: Concurrency = .forbid, retry: RetryPolicy = RetryPolicy(), timeout: TimeInterval? = nil,
                suspend: Bool = false, pauseAfterFailures: Int? = nil) {
        self.when = when
        self.schedule = schedule
        self.history = history
        self.concurrency = concurrency
        self.retry = retry
        self.timeout = timeout
        self.suspend = suspend
        self.pauseAfterFailures = pauseAfterFailures
    }

    /// Whether batchctl must look at a run after starting it to act on how it ends: retry it, stop it at its
    /// timeout, or count its failure.
    public var watchesRuns: Bool { retry.limit > 0 || timeout != nil || pauseAfterFailures != nil }

    /// Whether the block says anything a plain task does not: such tasks' runs are listed by `schedule` and `status`.
    public var isDefault: Bool { self == RunPolicy() }
}

/// `run.retry`: how often, and after how long, a run that ended Failed or timed out is started again.
public struct RetryPolicy: Hashable, Sendable {
    /// Retries after the first attempt, at most.
    public var limit: Int
    /// The wait before the first retry.
    public var backoff: TimeInterval
    /// Each later wait is the one before times this.
    public var factor: Double
    /// No wait is longer than this.
    public var maxBackoff: TimeInterval

    public static let limitRange = 0...100
    public static let defaultBackoff: TimeInterval = 60
    public static let defaultFactor = 2.0
    public static let defaultMaxBackoff: TimeInterval = 3600

    public init(limit: Int = 0, backoff: TimeInterval = RetryPolicy.defaultBackoff, factor: Double = RetryPolicy.defaultFactor,
                maxBackoff: TimeInterval = RetryPolicy.defaultMaxBackoff) {
        self.limit = limit
        self.backoff = backoff
        self.factor = factor
        self.maxBackoff = maxBackoff
    }

    /// The wait after attempt `attempt` (1 for the first run) failed: `backoff × factor^(attempt-1)`, capped at
    /// `maxBackoff`.
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let grown = backoff * pow(factor, Double(max(attempt, 1) - 1))
        return grown.isFinite ? min(grown, maxBackoff) : maxBackoff
    }

    /// Whether a run that was attempt `attempt` of its slot and failed is tried again.
    public func retries(afterAttempt attempt: Int) -> Bool {
        attempt <= limit
    }
}
