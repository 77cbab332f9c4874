import BatchTask
import DesiredTasks
import Foundation
import Reconcile
import State

/// What a `--wait` loop still waits for after a pass, read from the state that pass saved: the followed addresses'
/// runs that are not settled yet, their retries to come within the wait, and their pending runs. A value, so when
/// the loop polls and when it ends can be tested without a server.
public struct FollowedRuns: Sendable, Equatable {
    /// A current run not settled yet.
    public struct Run: Sendable, Equatable {
        public var address: String
        public var id: Int32
        /// Its `run.timeout`: the next pass stops and settles it then.
        public var timeoutAt: Date?
    }

    public var running: [Run] = []
    /// The next attempt of a failed run, by address, due before the wait ends.
    public var retries: [String: Date] = [:]
    /// Addresses with a pending run (waiting for what they depend on).
    public var pending: [String] = []
    /// When `--wait-timeout` runs out.
    public var end: Date

    /// From the state after a pass at `now`; the pass began at `passBegan` (default `now`). A retry that was due when
    /// the pass began was not started by it (the task is suspended, or its policy changed): it is not waited for, or
    /// the loop would spin. One that fell due while the pass ran (its backoff is shorter than a slow pass: a save,
    /// a loaded machine) is waited for, and the next pass starts it at once.
    public init(state: State, follows: Set<String>, policies: [String: RunPolicy], stillPending: [String], end: Date, now: Date = Date(),
                passBegan: Date? = nil) {
        let began = passBegan ?? now
        self.end = end
        for address in follows.sorted() {
            guard let entry = state.tasks[address] else { continue }
            let policy = policies[address] ?? RunPolicy()
            if entry.outcome == nil {
                running.append(Run(address: address, id: entry.id,
                                   timeoutAt: RunLife(address: address, policy: policy, entry: entry).deadline))
            } else if entry.outcome?.isFailure == true, policy.retry.retries(afterAttempt: entry.attempt),
                      let at = entry.retryAt.flatMap(Timestamp.date), at > began, at <= end {
                retries[address] = at
            }
        }
        pending = stillPending.filter(follows.contains).sorted()
        // What a pending run waits for may be a run the loop does not follow: its end is seen by the next pass.
        if !pending.isEmpty && running.isEmpty { recheck = now.addingTimeInterval(Self.pendingRecheck) }
    }

    /// How often pending runs are judged again when no followed run is left to see end.
    static let pendingRecheck: TimeInterval = 2
    private var recheck: Date?

    /// Nothing left to wait for: the loop ends.
    public var isDone: Bool { running.isEmpty && retries.isEmpty && pending.isEmpty }

    /// When the next pass is due though no run was seen to end: the first retry or run timeout, else the end of the
    /// wait. Pending runs are advanced by the pass after a run ends, so they add no time of their own.
    public var wake: Date {
        (retries.values.map { $0 } + running.compactMap(\.timeoutAt) + [recheck, end].compactMap { $0 }).min() ?? end
    }

    /// Whether what a poll saw of a run calls for the next pass: it ended, or it is gone.
    public static func ended(_ seen: BatchTaskInfo?) -> Bool {
        guard let seen else { return true }
        return seen.state?.isFinished ?? false
    }
}
