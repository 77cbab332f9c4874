import BatchTask
import DesiredTasks
import Foundation
@testable import Session
import State
import Testing

/// What a `--wait` loop waits for between its passes, and when it wakes.
struct FollowedRunsTests {
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }
    private let now = at("2026-12-02T01:00:00Z")
    private let end = at("2026-12-02T02:00:00Z")

    private func entry(_ id: Int32, outcome: RunOutcome? = nil, retryAt: String? = nil) -> StateEntry {
        var entry = StateEntry(id: id, fingerprint: "sha256:x", applied: .object([:]), appliedAt: "2026-12-02T00:59:00Z", source: "s.yaml:1:1")
        entry.outcome = outcome
        entry.retryAt = retryAt
        return entry
    }

    @Test func unsettledRunsRetriesWithinTheWaitAndPendingRunsKeepTheLoopGoing() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        state.tasks["s/running"] = entry(1)
        state.tasks["s/done"] = entry(2, outcome: .succeeded)
        state.tasks["s/retry"] = entry(3, outcome: .failed, retryAt: "2026-12-02T01:05:00Z")
        state.tasks["s/late-retry"] = entry(4, outcome: .failed, retryAt: "2026-12-02T03:00:00Z")
        state.tasks["s/not-followed"] = entry(5)
        let retrying = RunPolicy(retry: RetryPolicy(limit: 2))
        let timed = RunPolicy(timeout: 600)
        let waiting = FollowedRuns(state: state, follows: ["s/running", "s/done", "s/retry", "s/late-retry", "s/pending"],
                                   policies: ["s/running": timed, "s/retry": retrying, "s/late-retry": retrying],
                                   stillPending: ["s/pending", "s/other"], end: end, now: now)
        #expect(waiting.running == [FollowedRuns.Run(address: "s/running", id: 1, timeoutAt: Self.at("2026-12-02T01:09:00Z"))])
        #expect(waiting.retries == ["s/retry": Self.at("2026-12-02T01:05:00Z")], "a retry after the wait is not waited for")
        #expect(waiting.pending == ["s/pending"])
        #expect(!waiting.isDone)
        #expect(waiting.wake == Self.at("2026-12-02T01:05:00Z"), "the first retry or timeout wakes the loop")
    }

    @Test func nothingUnsettledEndsTheLoopAndARetryTheLastPassDidNotStartIsNotWaitedFor() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        state.tasks["s/done"] = entry(2, outcome: .failed)
        // Due already, yet the pass left it (the task is suspended): waiting for it would spin.
        state.tasks["s/held"] = entry(3, outcome: .failed, retryAt: "2026-12-02T00:59:30Z")
        let waiting = FollowedRuns(state: state, follows: ["s/done", "s/held"], policies: ["s/held": RunPolicy(retry: RetryPolicy(limit: 1))],
                                   stillPending: [], end: end, now: now)
        #expect(waiting.isDone)
        #expect(waiting.wake == end)
    }

    @Test func aRetryThatFellDueWhileThePassRanIsWaitedForAndWakesTheLoopAtOnce() {
        var state = State(lineage: "l", serial: 1, endpoint: "e")
        // The pass began at 00:59:00, settled the failure with a 1 s backoff, and took 59 s to save.
        state.tasks["s/quick"] = entry(3, outcome: .failed, retryAt: "2026-12-02T00:59:01Z")
        let policies = ["s/quick": RunPolicy(retry: RetryPolicy(limit: 1))]
        let waiting = FollowedRuns(state: state, follows: ["s/quick"], policies: policies, stillPending: [], end: end, now: now,
                                   passBegan: Self.at("2026-12-02T00:59:00Z"))
        #expect(waiting.retries == ["s/quick": Self.at("2026-12-02T00:59:01Z")])
        #expect(!waiting.isDone)
        #expect(waiting.wake < now, "the next pass comes at once")
        // Due before the pass began, yet not started by it: not waited for.
        let left = FollowedRuns(state: state, follows: ["s/quick"], policies: policies, stillPending: [], end: end, now: now,
                                passBegan: Self.at("2026-12-02T00:59:02Z"))
        #expect(left.isDone)
    }

    @Test func aRunEndsForThePollWhenItFinishedOrIsGone() {
        var info = BatchTaskInfo()
        info.state = .started
        #expect(!FollowedRuns.ended(info))
        info.state = .failed
        #expect(FollowedRuns.ended(info))
        #expect(FollowedRuns.ended(nil))
    }
}
