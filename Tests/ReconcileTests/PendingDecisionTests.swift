import BatchTask
import DesiredTasks
import Foundation
import Planning
import Schedule
import State
import Testing
@testable import Reconcile

/// When a pending run starts, is skipped, dropped or waits, from what the state knows of the runs it waits for.
@Suite struct PendingDecisionTests {
    private static let slot = "2030-01-01T01:00:00Z"
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    private let run = PendingRun(slot: slot, waitsFor: ["s/a"], since: "2030-01-01T01:01:00Z", start: .run)
    private let create = PendingRun(slot: nil, waitsFor: ["s/a"], since: "2030-01-01T01:01:00Z", start: .create)

    private func scheduled() throws -> RunPolicy {
        RunPolicy(when: .schedule, schedule: RunSchedule(cron: try CronExpression(parsing: "0 1 * * *"),
                                                         timeZone: try #require(TimeZoneName.zone("UTC")), startingDeadline: nil))
    }

    private func entry(slot: String? = slot, state: String? = nil, outcome: RunOutcome? = nil, retryAt: String? = nil) -> StateEntry {
        var entry = StateEntry(id: 7, fingerprint: "f", applied: .object([:]), appliedAt: "2030-01-01T01:01:00Z", source: "s.yaml:1:1")
        entry.slot = slot
        entry.lastState = state
        entry.outcome = outcome
        entry.retryAt = retryAt
        return entry
    }

    private func decision(starting: [String: String?] = [:]) -> PendingDecision {
        PendingDecision(now: Self.at("2030-01-01T01:30:00Z"), starting: starting)
    }

    @Test func aDependencyStartingInThisPassIsWaitedFor() throws {
        let dependency = PendingDecision.Dependency(address: "s/a", entry: nil, policy: try scheduled())
        #expect(decision(starting: ["s/a": Self.slot]).standing(of: dependency, for: run) == .waiting)
        #expect(decision(starting: ["s/a": nil]).standing(of: .init(address: "s/a", entry: entry(), policy: RunPolicy()), for: create) == .waiting)
    }

    @Test func theRunForTheSameSlotDecides() throws {
        let policy = try scheduled()
        func standing(_ entry: StateEntry) -> PendingDecision.Standing {
            decision().standing(of: .init(address: "s/a", entry: entry, policy: policy), for: run)
        }
        #expect(standing(entry(state: "Succeeded")) == .done)
        #expect(standing(entry(state: "Failed")) == .failed("s/a Failed"))
        #expect(standing(entry(state: "Started")) == .needsRead(7), "a State that is not an end is read again")
        #expect(standing(entry()) == .needsRead(7))
        #expect(standing(entry(outcome: .succeeded)) == .done)
        #expect(standing(entry(outcome: .failed, retryAt: "2030-01-01T01:40:00Z")) == .waiting, "a retry is to come")
        #expect(standing(entry(outcome: .timedOut)) == .failed("s/a timed out"))

        // The slot's run is in the history, the current run is a later one.
        var later = entry(slot: "2030-01-02T01:00:00Z", state: "Started")
        later.history = [PastRun(id: 5, startedAt: "2030-01-01T01:01:00Z", state: "Succeeded", slot: Self.slot)]
        #expect(standing(later) == .done)
        // No run for the slot, and the task has moved past it.
        later.history = []
        #expect(standing(later) == .failed("s/a has no run for \(Self.slot)"))
        // Its own run for the slot was skipped: none will come.
        #expect(decision().standing(of: .init(address: "s/a", entry: entry(slot: "2029-12-31T01:00:00Z", state: "Succeeded"), policy: policy,
                                              passed: Self.slot), for: run) == .failed("s/a has no run for \(Self.slot)"))
        // No run for the slot yet, nor any later: still to come.
        #expect(standing(entry(slot: "2029-12-31T01:00:00Z", state: "Succeeded")) == .waiting)
    }

    @Test func aWatchedFailureWaitsForItsSettlingAndAReadDecides() throws {
        var watched = RunPolicy()
        watched.retry.limit = 2
        let decision = decision()
        #expect(decision.standing(of: .init(address: "s/a", entry: entry(slot: nil, state: "Failed"), policy: watched), for: create) == .waiting)
        #expect(decision.standing(read: .succeeded, of: "s/a", policy: RunPolicy(), isCurrent: true) == .done)
        #expect(decision.standing(read: .started, of: "s/a", policy: RunPolicy(), isCurrent: true) == .waiting)
        #expect(decision.standing(read: .failed, of: "s/a", policy: RunPolicy(), isCurrent: true) == .failed("s/a Failed"))
        #expect(decision.standing(read: nil, of: "s/a", policy: RunPolicy(), isCurrent: true) == .failed("s/a has no run (its task is gone)"))
    }

    @Test func aDependencyWithoutARunOrThatIsPendingItselfIsWaitedFor() throws {
        let decision = decision()
        #expect(decision.standing(of: .init(address: "s/a", entry: nil, policy: RunPolicy()), for: create) == .waiting)
        let pending = PendingRun(slot: nil, waitsFor: ["s/z"], since: "2030-01-01T01:00:00Z", start: .create)
        #expect(decision.standing(of: .init(address: "s/a", entry: entry(state: "Succeeded"), policy: RunPolicy(), pending: [pending]),
                                  for: create) == .waiting)
        #expect(decision.standing(of: .init(address: "s/a", entry: nil, policy: nil), for: create) == .failed("s/a is not in the manifests"))
    }

    @Test func pendingRunsAreJudgedAfterThoseOfWhatTheyWaitFor() {
        func step(_ address: String, _ waits: [String]) -> PendingStep {
            PendingStep(address: address, run: PendingRun(slot: nil, waitsFor: waits, since: "t", start: .create), isNew: false,
                        action: PlannedAction(address: address, kind: .create))
        }
        let ordered = PendingDecision.ordered([step("s/a-last", ["s/m"]), step("s/m", ["s/z"]), step("s/z", ["s/x"]), step("s/b", ["s/x"])])
        #expect(ordered.map(\.address) == ["s/z", "s/b", "s/m", "s/a-last"])
    }

    @Test func theVerdictStartsSkipsDropsOrWaits() {
        let decision = decision()
        #expect(decision.verdict(run, standings: [.done, .done], startingDeadline: nil) == .start)
        #expect(decision.verdict(run, standings: [.done, .failed("s/a Failed")], startingDeadline: nil) == .skip("s/a Failed"))
        #expect(decision.verdict(run, standings: [.waiting], startingDeadline: nil) == .wait)
        #expect(decision.verdict(run, standings: [.waiting], startingDeadline: 3600) == .wait, "30 minutes after its slot")
        #expect(decision.verdict(run, standings: [.waiting], startingDeadline: 600)
            == .drop("pending since 2030-01-01T01:01:00Z, past its startingDeadline 10m"))
    }
}
