import APIClient
import BatchTask
import DesiredTasks
import Foundation
import JSON
import Planning
import State
import Testing
@testable import Reconcile

/// Runs settled by the executor against an emulator in this process: a look settles a failed run once, its retry
/// starts as the next attempt, and a run a killed retry had started is adopted as that retry.
@Suite struct RunSettlingTests {
    /// A task whose job fails, with one retry after a second.
    private func failing(_ world: World) -> DesiredTask {
        var task = world.task("job")
        task.info.parameterObject = ["fail": .string("true")]
        task.run = RunPolicy(retry: RetryPolicy(limit: 1, backoff: 1))
        return task
    }

    /// Plans as `run --due` does at `now` and applies.
    private func runDue(_ task: DesiredTask, _ world: World, now: Date = Date()) async throws -> (Plan, ApplyReport) {
        var session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint, client: world.client,
                                                  desired: [task.address: task], observer: nil)
        return try await session.whileOpen { session in
            var options = PlanOptions(endpoint: world.endpoint)
            options.startsDueRuns = true
            options.runsOnly = true
            options.now = now
            let plan = try session.plan(ExpansionResult(tasks: [task]), live: nil, options: options)
            let report = try await session.apply(plan, desired: [task.address: task], client: world.client, options: ApplyOptions(),
                                                 observer: nil, cancellation: CancellationFlag())
            return (plan, report)
        }
    }

    @Test func aLookSettlesAFailedRunOnceAndItsRetryIsTheNextAttempt() async throws {
        try await withWorld { world in
            let task = failing(world)
            #expect(try await world.apply([task]).succeeded == 1)
            let (looking, settled) = try await runDue(task, world)
            #expect(looking.looks.count == 1 && !looking.hasChanges)
            #expect(settled.runEvents.map(\.trigger) == [.retry])
            let entry = try #require(try await world.read().state.tasks[task.address])
            #expect(entry.outcome == .failed)
            let retryAt = try #require(entry.retryAt.flatMap(Timestamp.date))

            // Looked at again before the backoff passed: nothing more.
            let (again, nothing) = try await runDue(task, world, now: retryAt.addingTimeInterval(-1))
            #expect(again.looks.isEmpty && !again.hasChanges)
            #expect(nothing.runEvents.isEmpty)

            let (retrying, _) = try await runDue(task, world, now: retryAt)
            #expect(retrying.actions.map(\.attempt) == [2])
            let retried = try #require(try await world.read().state.tasks[task.address])
            #expect(retried.attempt == 2)
            #expect(retried.outcome == nil)
            #expect(retried.history.map(\.outcome) == [.failed])

            let (_, spent) = try await runDue(task, world, now: retryAt)
            #expect(spent.runEvents.map(\.trigger) == [.failed])
            #expect(try await world.read().state.tasks[task.address]?.failures == 1)
            #expect(try await world.client.queryAll(filter: nil).count == 2)
        }
    }

    @Test func aRunAKilledRetryHadStartedIsAdoptedAsThatRetry() async throws {
        try await withWorld { world in
            let task = failing(world)
            #expect(try await world.apply([task]).succeeded == 1)
            _ = try await runDue(task, world)
            let failed = try #require(try await world.read().state.tasks[task.address])
            #expect(failed.retryAt != nil)
            // The retry's intent was written and its task made, and the run died before the answer was journaled.
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .run, address: task.address, id: failed.id,
                                       fingerprint: Fingerprint.of(task: task.info), at: failed.retryAt ?? Timestamp.now()))
            try journal.close()
            let made = try await world.client.create(task.info)

            let session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: nil)
            let adopted = try #require(session.state.tasks[task.address])
            #expect(adopted.id == made)
            #expect(adopted.attempt == 2, "counted as the retry it was")
            #expect(adopted.history.map(\.id) == [failed.id])
            await session.release()
        }
    }
}
