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
        case when, schedule, timeZone, history, concurrency, startingDeadline
    }

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

    public init(when: When = .once, schedule: RunSchedule? = nil, history: Int = RunPolicy.defaultHistory,
                concurrency: Concurrency = .forbid) {
        self.when = when
        self.schedule = schedule
        self.history = history
        self.concurrency = concurrency
    }

    /// Whether the block says anything a plain task does not: such tasks' runs are listed by `schedule` and `status`.
    public var isDefault: Bool { self == RunPolicy() }
}
