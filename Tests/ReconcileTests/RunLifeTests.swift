import BatchTask
import DesiredTasks
import Foundation
import Planning
import State
import Testing
@testable import Reconcile

/// How a run is settled once it is seen ended or past its timeout: counted once, retried while retries last,
/// paused after too many failures.
@Suite struct RunLifeTests {
    private static let started = "2026-12-02T01:00:00Z"
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    private func life(_ policy: RunPolicy, attempt: Int = 1, failures: Int = 0) -> RunLife {
        var entry = StateEntry(id: 7, fingerprint: "f", applied: .object([:]), appliedAt: Self.started, source: "s.yaml:1:1")
        entry.attempt = attempt
        entry.failures = failures
        entry.slot = "2026-12-02T01:00:00Z"
        return RunLife(address: "s/n", policy: policy, entry: entry)
    }

    private let retrying = RunPolicy(retry: RetryPolicy(limit: 2, backoff: 60, factor: 2, maxBackoff: 3600))

    @Test func aRunStillGoingIsLeftAloneUntilItsTimeout() {
        let policy = RunPolicy(timeout: 600)
        #expect(life(policy).verdict(.started, now: Self.at("2026-12-02T01:09:59Z")) == .running)
        #expect(life(policy).verdict(.new, now: Self.at("2026-12-02T01:10:00Z")) == .timedOut)
        #expect(life(RunPolicy()).verdict(.started, now: Self.at("2026-12-09T00:00:00Z")) == .running, "no timeout, no bound")
        #expect(life(policy).verdict(.failed, now: Self.at("2026-12-02T02:00:00Z")) == .ended(.failed))
        #expect(life(policy).verdict(.succeededManualCleanup, now: Self.at("2026-12-02T01:01:00Z")) == .ended(.succeeded))
        var settled = life(policy)
        settled.entry.outcome = .failed
        #expect(settled.verdict(.failed, now: Self.at("2026-12-02T02:00:00Z")) == .settled, "a run is settled once")
    }

    @Test func aFailureWithRetriesLeftIsDueAfterItsBackoff() {
        let (entry, events) = life(retrying).settle(.failed, state: "Failed", result: "Failed: disk full", now: Self.at("2026-12-02T01:05:00Z"))
        #expect(entry.outcome == .failed)
        #expect(entry.retryAt == "2026-12-02T01:06:00Z")
        #expect(entry.failures == 0, "a failure with retries left is not counted yet")
        #expect(events.map(\.trigger) == [.retry])
        #expect(events.first?.retryAt == "2026-12-02T01:06:00Z")
        #expect(events.first?.message.contains("retry 1/2") == true)

        let second = life(retrying, attempt: 2).settle(.failed, state: "Failed", result: nil, now: Self.at("2026-12-02T01:10:00Z"))
        #expect(second.entry.retryAt == "2026-12-02T01:12:00Z", "the backoff doubles")
    }

    @Test func aFailureWithRetriesSpentIsCountedAndPausesAtTheLimit() {
        let policy = RunPolicy(retry: RetryPolicy(limit: 2), pauseAfterFailures: 2)
        let first = life(policy, attempt: 3).settle(.failed, state: "Failed", result: nil, now: Self.at("2026-12-02T01:30:00Z"))
        #expect(first.entry.retryAt == nil)
        #expect(first.entry.failures == 1)
        #expect(first.entry.suspension == nil)
        #expect(first.events.map(\.trigger) == [.failed])

        let second = life(policy, attempt: 3, failures: 1).settle(.failed, state: "Failed", result: nil, now: Self.at("2026-12-03T01:30:00Z"))
        #expect(second.entry.failures == 2)
        #expect(second.entry.suspension == Suspension(by: "batchctl", at: "2026-12-03T01:30:00Z", reason: "paused after 2 failed runs", afterFailures: true))
        #expect(second.events.map(\.trigger) == [.failed, .paused])
    }

    @Test func aSuccessClearsTheCount() {
        let (entry, events) = life(retrying, attempt: 2, failures: 3).settle(.succeeded, state: "Succeeded", result: nil, now: Self.at("2026-12-02T01:30:00Z"))
        #expect(entry.outcome == .succeeded)
        #expect(entry.failures == 0)
        #expect(entry.lastState == "Succeeded")
        #expect(events.map(\.trigger) == [.succeeded])
        #expect(events.first?.attempt == 2)
    }

    @Test func aTimeoutIsToldThenRetriedOrCountedAsAFailure() {
        var policy = retrying
        policy.timeout = 600
        let retried = life(policy).settle(.timedOut, state: "Started", result: nil, now: Self.at("2026-12-02T01:10:00Z"), stopNote: "it was stopped")
        #expect(retried.entry.outcome == .timedOut)
        #expect(retried.events.map(\.trigger) == [.timeout, .retry])
        #expect(retried.events.first?.message.contains("it was stopped") == true)
        let spent = life(policy, attempt: 3).settle(.timedOut, state: "New", result: nil, now: Self.at("2026-12-02T01:10:00Z"))
        #expect(spent.events.map(\.trigger) == [.timeout, .failed])
        #expect(spent.entry.failures == 1)
    }

    @Test func slotsSkippedByRunDueAreToldOnceEachTask() {
        var plan = Plan(actions: [], orphans: [], drift: [], stateLineage: nil, stateSerial: nil, endpoint: "http://x", refreshed: false)
        plan.schedules = [
            ScheduledTask(address: "s/late", cron: "30 1 * * *", timeZone: "UTC", since: nil, dueSlot: nil, next: nil, missed: 2,
                          missedIsLowerBound: false, lastMissed: "2026-12-02T01:30:00Z"),
            ScheduledTask(address: "s/fine", cron: "0 2 * * *", timeZone: "UTC", since: nil, dueSlot: nil, next: nil, missed: 0,
                          missedIsLowerBound: false, lastMissed: nil),
        ]
        #expect(RunEvent.missed(in: plan).isEmpty, "plan and apply skip nothing")
        plan.startsDueRuns = true
        let events = RunEvent.missed(in: plan)
        #expect(events.map(\.address) == ["s/late"])
        #expect(events.first?.trigger == .missed)
        #expect(events.first?.slot == "2026-12-02T01:30:00Z")
        #expect(events.first?.message.contains("missed 2 slots") == true)
    }
}
