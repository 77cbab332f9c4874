import APIClient
import BatchTask
import DesiredTasks
import Foundation
import Planning
import Reconcile
import State

/// `--wait` as a loop of passes: each pass is a whole locked session (plan, apply without waiting, save, let go of
/// the lock); between passes no lock is held while the followed runs are polled, so another command (a person's
/// `apply`, the next cron tick's `run --due`) can use the state while a job runs for hours. The loop ends when no
/// followed address has a run to settle, a retry to come within the wait, or a pending run.
public struct WaitLoop: Sendable {
    /// How long the whole wait may take (`--wait-timeout`).
    public var waitTimeout: Duration
    public var pollInterval: Duration = .milliseconds(500)

    public init(waitTimeout: Duration) {
        self.waitTimeout = waitTimeout
    }

    /// What the first pass did, and whether the loop goes on from it: a pass that waited in process (a plan whose
    /// actions depend on each other, which only a pass that holds runs can order without the lock) ends it.
    public struct FirstPass: Sendable {
        public var report: ApplyReport
        public var waited: Bool

        public init(report: ApplyReport, waited: Bool) {
            self.report = report
            self.waited = waited
        }
    }

    /// Runs `first` (the command's own pass), then `next` with the followed addresses until nothing is left to wait
    /// for. `next` plans with `PlanOptions.follows` and applies without waiting. Returns one report: each followed
    /// address's outcome says how its last run ended; `looped` is false when the first pass waited in process.
    public func run(_ session: ProjectSession, operation: String, sets: [String]?, desired: [String: DesiredTask],
                    tenantWait: Duration?,
                    first: (inout StateSession, Connection) async throws -> FirstPass,
                    next: (inout StateSession, Connection, Set<String>) async throws -> ApplyReport) async throws -> (report: ApplyReport, looped: Bool) {
        let end = Date().addingTimeInterval(waitTimeout.seconds)
        var tally = WaitTally(desired: desired, waitTimeout: waitTimeout)
        var passes = 0
        while true {
            let follows = tally.follows
            let began = Date()
            let (report, state, waited) = try await session.write(operation, sets: sets, desired: desired, tenantWait: tenantWait) { run, connection in
                let before = run.state
                if passes == 0 {
                    let pass = try await first(&run, connection)
                    return (pass.report, run.state, pass.waited)
                }
                let report = try await next(&run, connection, follows)
                tally.noteRetries(report, before: before)
                return (report, run.state, false)
            }
            passes += 1
            tally.add(report, first: passes == 1)
            if waited || report.interrupted || report.stoppedBecause != nil { return (tally.report(state: state, waiting: nil), !waited) }
            let waiting = FollowedRuns(state: state, follows: tally.follows, policies: desired.mapValues(\.run),
                                       stillPending: report.stillPending, end: end, passBegan: began)
            if waiting.isDone || Date() >= end { return (tally.report(state: state, waiting: waiting), true) }
            try await session.withConnection(tenantWait: tenantWait) { connection in
                try await poll(waiting, client: connection.client, tally: &tally)
            }
        }
    }

    /// Whether some action of `plan` starts a task that another of its actions' tasks depends on. Such a plan waits
    /// in process, where dependents wait for Succeeded, until a pass holds dependents pending by itself.
    public static func ordersActions(_ plan: Plan, desired: [String: DesiredTask]) -> Bool {
        let starting = Set(plan.actions.filter { [.create, .replace, .run, .update].contains($0.kind) }.map(\.address))
        return starting.contains { address in desired[address]?.dependsOn.contains(where: starting.contains) == true }
    }

    /// A later pass's plan: only runs, of the followed addresses, none asked for again and no slot started; their
    /// runs are looked at and their due retries start (at the clock's time: retries are due by it).
    public static func passOptions(_ base: PlanOptions, follows: Set<String>) throws -> PlanOptions {
        var options = PlanOptions(endpoint: base.endpoint)
        options.fields = base.fields
        options.runsOnly = true
        options.follows = follows
        options.selection = try TaskSelection(targets: follows.sorted())
        options.now = Date()
        return options
    }

    /// Polls the unsettled runs until one ended, a retry or a run timeout is due, or the wait ran out.
    private func poll(_ waiting: FollowedRuns, client: BatchTaskClient, tally: inout WaitTally) async throws {
        let wake = waiting.wake
        while Date() < wake {
            var ended = false
            for run in waiting.running {
                let seen = try await client.get(run.id)
                tally.seen[run.id] = seen
                if FollowedRuns.ended(seen) { ended = true }
            }
            if ended { return }
            let left = wake.timeIntervalSinceNow
            guard left > 0 else { return }
            try await Task.sleep(for: min(pollInterval, .milliseconds(Int64(left * 1000) + 1)))
        }
    }
}

extension Duration {
    /// The duration in seconds, fractions kept.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
