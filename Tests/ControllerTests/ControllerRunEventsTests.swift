@testable import Controller
import Foundation
import Planning
import Reconcile
import State
import Testing

/// What the controller makes of a cycle's run events: notifications, the retried count, each task's last result,
/// and the suspended tasks on its status.
struct ControllerRunEventsTests {
    private typealias Machine = ControllerStateMachine

    private func finish(_ report: Machine.CycleReport) -> (Machine, [Machine.Effect]) {
        var machine = Machine(settings: ControllerSettings(endpoint: "embedded", workspace: "default"), stateDescription: "s",
                              started: "2026-12-02T00:00:00Z")
        _ = machine.cycleStarted(at: "2026-12-02T00:00:00Z")
        _ = machine.leaseTaken(.leading(tookOver: nil), at: "2026-12-02T00:00:00Z")
        let effects = machine.cycleFinished(report, duration: .seconds(1), now: Date(timeIntervalSince1970: 1_796_169_600))
        return (machine, effects)
    }

    private func plan() -> Plan {
        Plan(actions: [], orphans: [], drift: [], stateLineage: nil, stateSerial: nil, endpoint: "embedded", refreshed: true)
    }

    @Test func runEventsAreNotifiedCountedAndGiveTheLastResults() {
        let events = [
            RunEvent(trigger: .retry, address: "jobs/a", runID: 1, attempt: 1, state: "Failed", retryAt: "2026-12-02T00:01:00Z", message: "a: retry"),
            RunEvent(trigger: .timeout, address: "jobs/b", runID: 2, attempt: 1, state: "Started", message: "b: timed out"),
            RunEvent(trigger: .failed, address: "jobs/b", runID: 2, attempt: 1, state: "Started", message: "b: failed"),
            RunEvent(trigger: .succeeded, address: "jobs/c", runID: 3, attempt: 2, state: "Succeeded", message: "c: succeeded"),
        ]
        var report = Machine.CycleReport(sets: [], plan: plan())
        report.runEvents = events
        report.lastResults = ["jobs/d": .failed]
        let (_, effects) = finish(report)
        var notified: [RunEvent] = []
        var runs = RunCounts()
        var results: [String: RunOutcome] = [:]
        for effect in effects {
            switch effect {
            case .notifyRuns(let sent): notified += sent
            case .recordRuns(let counted): runs = counted
            case .recordLastResults(let recorded): results = recorded
            default: break
            }
        }
        #expect(notified == events)
        #expect(runs[.retried] == 1)
        #expect(results == ["jobs/a": .failed, "jobs/b": .timedOut, "jobs/c": .succeeded, "jobs/d": .failed])
    }

    @Test func missedSlotsAreNotifiedOnceAsOnRunMissed() {
        var machine = Machine(settings: ControllerSettings(endpoint: "embedded", workspace: "default"), stateDescription: "s",
                              started: "2026-12-02T00:00:00Z")
        var plan = plan()
        plan.schedules = [ScheduledTask(address: "jobs/a", cron: "0 * * * *", timeZone: "UTC", since: "2026-12-01T20:00:00Z", dueSlot: nil,
                                        next: "2026-12-02T01:00:00Z", missed: 2, missedIsLowerBound: false, lastMissed: "2026-12-01T23:00:00Z")]
        var report = Machine.CycleReport(sets: [], plan: plan)
        // An executor's own missed event is not told twice.
        report.runEvents = [RunEvent(trigger: .missed, address: "jobs/a", message: "missed")]
        func told() -> [RunEvent] {
            _ = machine.cycleStarted(at: "2026-12-02T00:00:00Z")
            _ = machine.leaseTaken(.leading(tookOver: nil), at: "2026-12-02T00:00:00Z")
            var events: [RunEvent] = []
            for effect in machine.cycleFinished(report, duration: .seconds(1), now: Date(timeIntervalSince1970: 1_796_169_600)) {
                if case .notifyRuns(let sent) = effect { events += sent }
            }
            return events
        }
        let first = told()
        #expect(first.map(\.trigger) == [.missed])
        #expect(first.first?.slot == "2026-12-01T23:00:00Z")
        #expect(first.first?.message.contains("jobs/a missed 2 slots") == true)
        #expect(told().isEmpty, "the same missed slots are told once")
    }

    @Test func aCycleWithoutRunEventsNotifiesNoRun() {
        let (_, effects) = finish(Machine.CycleReport(sets: [], plan: plan()))
        #expect(!effects.contains { if case .notifyRuns = $0 { true } else { false } })
    }

    @Test func theStatusListsTheSuspendedTasksWithWhoWhenAndWhy() {
        let suspension = Suspension(by: "ops@box", at: "2026-12-01T10:00:00Z", reason: "CRM <upgrade>", afterFailures: false)
        var report = Machine.CycleReport(sets: [], plan: plan())
        report.suspended = [("jobs/a", suspension)]
        let (machine, _) = finish(report)
        let listed = machine.status.json["suspended"]?.arrayValue ?? []
        #expect(listed.count == 1)
        #expect(listed.first?["address"]?.stringValue == "jobs/a")
        #expect(listed.first?["by"]?.stringValue == "ops@box")
        #expect(listed.first?["reason"]?.stringValue == "CRM <upgrade>")
        let page = StatusPage.html(machine.status, refresh: 5)
        #expect(page.contains("<h2>Suspended</h2>") && page.contains("ops@box") && page.contains("CRM &lt;upgrade&gt;"))
    }

    @Test func theLastResultsOfAStateAreTheCurrentRunsOrElseTheOneBefore() {
        var running = StateEntry(id: 5, fingerprint: "f", applied: .object([:]), appliedAt: "t", source: "s")
        running.history = [PastRun(id: 4, startedAt: "t0", state: "Failed", outcome: .timedOut)]
        var settled = StateEntry(id: 6, fingerprint: "f", applied: .object([:]), appliedAt: "t", source: "s")
        settled.outcome = .succeeded
        let never = StateEntry(id: 7, fingerprint: "f", applied: .object([:]), appliedAt: "t", source: "s")
        let state = State(lineage: "l", serial: 1, endpoint: "embedded", tasks: ["jobs/a": running, "jobs/b": settled, "jobs/c": never])
        #expect(Reconciler.lastResults(state) == ["jobs/a": .timedOut, "jobs/b": .succeeded])
        #expect(ControllerMetrics.value(of: .timedOut) == 2)
    }
}
