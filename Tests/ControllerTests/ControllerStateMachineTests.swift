@testable import Controller
import Foundation
import JSON
import Planning
import State
import Testing

/// The controller's rules, told events as the reconciler tells them: no server, no clock, no lease.
struct ControllerStateMachineTests {
    private typealias Machine = ControllerStateMachine
    private typealias Effect = ControllerStateMachine.Effect

    private static let now = Date(timeIntervalSince1970: 1_796_169_600)  // 2026-12-02T00:00:00Z
    private static let other = LockInfo(id: "l", user: "u", host: "web-1", pid: 7, created: "2026-12-01T00:00:00Z", operation: "controller")

    private func machine(_ change: (inout ControllerSettings) -> Void = { _ in }) -> Machine {
        var settings = ControllerSettings(endpoint: "embedded", workspace: "default")
        settings.jitter = 0
        change(&settings)
        return Machine(settings: settings, stateDescription: "batchctl.state.json", started: "2026-12-02T00:00:00Z")
    }

    private func plan(_ actions: [PlannedAction] = [], drift: [String] = [], schedules: [ScheduledTask] = []) -> Plan {
        var plan = Plan(actions: actions, orphans: [], drift: drift.map { DriftItem(address: $0, id: 1, kind: .modified, changes: []) },
                        stateLineage: nil, stateSerial: nil, endpoint: "embedded", refreshed: true)
        plan.schedules = schedules
        return plan
    }

    private func report(_ plan: Plan? = nil, applied: [AppliedAction] = [], interrupted: Bool = false,
                        sets: [SetStatus] = [SetStatus(name: "jobs", sync: .synced, health: .healthy, taskCount: 2)]) -> Machine.CycleReport {
        Machine.CycleReport(sets: sets, plan: plan ?? self.plan(), applied: applied, interrupted: interrupted)
    }

    /// One whole cycle: started, the lease taken, then finished with `report` or failed with `failure`.
    @discardableResult
    private func cycle(_ machine: inout Machine, leading: Bool = true, report: Machine.CycleReport? = nil, failure: String? = nil) -> [Effect] {
        _ = machine.cycleStarted(at: "2026-12-02T00:00:00Z")
        var effects = machine.leaseTaken(leading ? .leading(tookOver: nil) : .following(Self.other), at: "2026-12-02T00:00:00Z")
        if let failure {
            effects += machine.cycleFailed(failure, duration: .seconds(1), now: Self.now)
        } else {
            effects += machine.cycleFinished(report ?? self.report(), duration: .seconds(1), now: Self.now)
        }
        return effects
    }

    @Test func aCycleIsItsStepsInOrderWithAPullFirstWhenAsked() {
        var plain = machine()
        #expect(plain.cycleStarted(at: "t").steps == [.expandManifests, .takeLease, .reconcile])
        var pulling = machine { $0.gitPull = true }
        #expect(pulling.cycleStarted(at: "t").steps == [.pullManifests, .expandManifests, .takeLease, .reconcile])
        #expect(pulling.cycleStarted(at: "t").number == 2)
    }

    @Test func failuresBackOffAndASuccessGoesBackToTheInterval() {
        var machine = machine { $0.interval = .seconds(30) }
        #expect(machine.nextCycle(draw: 0, now: Self.now).sleeps == [.seconds(30)])
        #expect(machine.status.nextCycle == "2026-12-02T00:00:30Z")
        var waits: [Duration] = []
        for _ in 0..<3 {
            cycle(&machine, failure: "the API: down")
            waits += machine.nextCycle(draw: 0, now: Self.now).sleeps
        }
        #expect(waits == [.seconds(2), .seconds(6), .seconds(18)])
        #expect(machine.status.consecutiveFailures == 3)
        let recovered = cycle(&machine)
        #expect(recovered.events.map(\.message).contains("cycle #4 succeeded after 3 failed"))
        #expect(machine.nextCycle(draw: 0, now: Self.now).sleeps == [.seconds(30)])
        #expect(machine.status.lastSuccess == "2026-12-02T00:00:00Z")
    }

    @Test func aFailureIsToldOnceUntilItChangesOrTheCyclesRecover() {
        var machine = machine()
        cycle(&machine)
        #expect(cycle(&machine, failure: "manifests broken").notifications.map(\.trigger) == [.syncFailed])
        #expect(cycle(&machine, failure: "manifests broken").notifications.isEmpty, "the same failure again is not told")
        #expect(cycle(&machine, failure: "the API: down").notifications.map(\.message) == ["the API: down"])
        cycle(&machine)
        #expect(cycle(&machine, failure: "the API: down").notifications.count == 1, "told again after a success")
    }

    @Test func aFailedCycleKeepsTheSetsButTheirSyncIsUnknown() {
        var machine = machine()
        cycle(&machine)
        let effects = cycle(&machine, failure: "manifests broken")
        #expect(machine.status.sets.map(\.sync) == [.unknown])
        #expect(machine.status.sets.map(\.health) == [.healthy])
        #expect(machine.status.lastCycle?.result == .failure)
        #expect(machine.status.lastCycle?.error == "manifests broken")
        #expect(effects.cycleResults == [.failure])
        #expect(effects.recordedSets == [[SetStatus(name: "jobs", sync: .unknown, health: .healthy, taskCount: 2)]])
    }

    @Test func readinessFollowsWhetherTheAPIAnsweredTheLastTime() {
        var machine = machine()
        #expect(machine.apiReachable == nil, "not ready before the API was asked")
        _ = machine.cycleStarted(at: "t")
        machine.apiAnswered(true)
        _ = machine.cycleFinished(report(), duration: .seconds(1), now: Self.now)
        #expect(machine.apiReachable == true)
        #expect(machine.status.lastCycle?.reachedAPI == true)
        _ = machine.cycleStarted(at: "t")
        machine.apiAnswered(false)
        _ = machine.cycleFailed("the API: down", duration: .seconds(1), now: Self.now)
        #expect(machine.apiReachable == false)
        #expect(machine.status.lastCycle?.reachedAPI == false)
        _ = machine.cycleStarted(at: "t")
        _ = machine.cycleFailed("manifests broken", duration: .seconds(1), now: Self.now)
        #expect(machine.apiReachable == false, "a cycle that did not ask leaves it as it was")
        #expect(machine.status.lastCycle?.reachedAPI == false)
    }

    @Test func driftIsToldOncePerTaskUntilItGoesAway() {
        var machine = machine()
        let first = cycle(&machine, report: report(plan(drift: ["jobs/a"])))
        #expect(first.notifications.map(\.trigger) == [.healthDegraded])
        #expect(first.events.map(\.message) == ["this controller leads and applies",
                                                "1 task changed outside batchctl or gone: jobs/a (reported; --self-heal reverts drift)"])
        #expect(first.notifications.first?.details.first?.1 == .array(["jobs/a"]))
        #expect(cycle(&machine, report: report(plan(drift: ["jobs/a"]))).events.isEmpty)
        let more = cycle(&machine, report: report(plan(drift: ["jobs/a", "jobs/b"])))
        #expect(more.events.map(\.message) == ["1 task changed outside batchctl or gone: jobs/b (reported; --self-heal reverts drift)"])
        cycle(&machine)
        #expect(cycle(&machine, report: report(plan(drift: ["jobs/a"]))).events.count == 1, "back after it went away")

        var healing = self.machine { $0.selfHeal = true }
        let many = (1...12).map { "jobs/t\($0 < 10 ? "0" : "")\($0)" }
        let message = cycle(&healing, report: report(plan(drift: many))).events.last?.message ?? ""
        #expect(message.hasPrefix("12 tasks changed outside batchctl or gone: jobs/t01, "))
        #expect(message.hasSuffix("jobs/t10 and 2 more (planned back: --self-heal)"))
    }

    @Test func appliedActionsAreCountedByKindAndResultAndADeployIsTold() {
        var machine = machine()
        let applied = [
            AppliedAction(address: "jobs/a", kind: .create, result: .succeeded),
            AppliedAction(address: "jobs/b", kind: .update, result: .succeeded),
            AppliedAction(address: "jobs/c", kind: .update, result: .succeeded),
            AppliedAction(address: "jobs/d", kind: .delete, result: .skipped, reason: "its dependency did not succeed"),
        ]
        let effects = cycle(&machine, report: report(applied: applied))
        let counts = effects.actionCounts.first
        #expect(counts?[.update, .succeeded] == 2)
        #expect(counts?[.delete, .skipped] == 1)
        #expect(effects.events.map(\.kind) == [.leading, .deployed])
        #expect(effects.notifications.map(\.message) == ["applied 1 create, 2 update"])
        let json = ControllerStatus.json(actions: counts ?? ActionCounts())
        #expect(json["update"]?["succeeded"] == .int(2))
        #expect(machine.status.lastCycle?.actions == counts)
        #expect(machine.status.lastCycle?.result == .success, "a skipped action does not fail the cycle")

        let nothing = cycle(&machine, report: report(applied: [AppliedAction(address: "jobs/a", kind: .noop, result: .succeeded)]))
        #expect(nothing.notifications.isEmpty, "no-ops deploy nothing")
    }

    @Test func failedActionsFailTheCycleNamingTheFirstFive() {
        var machine = machine()
        let failed = (1...6).map { AppliedAction(address: "jobs/t\($0)", kind: .create, result: .failed, reason: "HTTP 500") }
        let effects = cycle(&machine, report: report(applied: failed))
        let message = "6 actions failed: jobs/t1 (HTTP 500); jobs/t2 (HTTP 500); jobs/t3 (HTTP 500); jobs/t4 (HTTP 500); jobs/t5 (HTTP 500)"
        #expect(machine.status.lastCycle?.error == message)
        #expect(machine.status.consecutiveFailures == 1)
        #expect(effects.cycleResults == [.failure])
        #expect(effects.notifications.map(\.trigger) == [.syncFailed])
        #expect(cycle(&machine, report: report(interrupted: true)).cycleResults == [.failure], "an interrupted apply fails the cycle")
        #expect(machine.status.lastCycle?.error == "0 actions failed: ")
    }

    @Test func scheduledRunsAreCountedByResultAndMissedSlotsOnceByTheLeader() {
        var machine = machine()
        let due = plan([PlannedAction(address: "jobs/a", kind: .run, id: 1, slot: "2026-12-02T00:00:00Z"),
                        PlannedAction(address: "jobs/b", kind: .run, id: 2, slot: "2026-12-02T00:00:00Z"),
                        PlannedAction(address: "jobs/c", kind: .run, id: 3, reason: "fields changed")])
        let ran = cycle(&machine, report: report(due, applied: [
            AppliedAction(address: "jobs/a", kind: .run, result: .succeeded),
            AppliedAction(address: "jobs/b", kind: .run, result: .failed, reason: "HTTP 500"),
            AppliedAction(address: "jobs/c", kind: .run, result: .succeeded),
        ]))
        #expect(ran.runCounts.first?[.started] == 1, "a run the manifests asked for is not a scheduled one")
        #expect(ran.runCounts.first?[.failed] == 1)
        #expect(ran.events.contains { $0.kind == .runFailed && $0.message == "the scheduled run of jobs/b failed: HTTP 500" })

        func missed(_ count: Int, since: String = "2026-12-01T00:00:00Z") -> Plan {
            plan(schedules: [ScheduledTask(address: "jobs/h", cron: "0 * * * *", timeZone: "UTC", since: since, dueSlot: nil, next: nil,
                                           missed: count, missedIsLowerBound: false, lastMissed: "2026-12-01T23:00:00Z")])
        }
        let first = cycle(&machine, report: report(missed(2)))
        #expect(first.runCounts.first?[.skipped] == 2)
        #expect(first.events.first { $0.kind == .runSkipped }?.message == "jobs/h missed 2 slots (the last at 2026-12-01T23:00:00Z), past its startingDeadline or superseded by a later one")
        #expect(cycle(&machine, report: report(missed(2))).runCounts.first?.isEmpty == true, "told once")
        #expect(cycle(&machine, report: report(missed(3))).runCounts.first?[.skipped] == 1, "only the new one")
        #expect(cycle(&machine, report: report(missed(1, since: "2026-12-02T00:00:00Z"))).runCounts.first?[.skipped] == 1,
                "counted afresh from a new run")

        var follower = self.machine()
        #expect(cycle(&follower, leading: false, report: report(missed(2))).runCounts.first?.isEmpty == true, "a follower counts nothing")
    }

    @Test func leadershipIsToldWhenItChanges() {
        var machine = machine()
        let following = cycle(&machine, leading: false)
        #expect(following.leading == [false])
        #expect(following.events.map(\.message) == ["another controller leads (pid 7 on web-1 since 2026-12-01T00:00:00Z); this one serves status"])
        #expect(machine.status.leader == "pid 7 on web-1 since 2026-12-01T00:00:00Z")
        #expect(machine.status.lastCycle?.leading == false)
        #expect(cycle(&machine, leading: false).events.isEmpty)

        _ = machine.cycleStarted(at: "t")
        let took = machine.leaseTaken(.leading(tookOver: Self.other), at: "t")
        #expect(took.leading == [true])
        #expect(took.events.map(\.message) == ["this controller leads and applies (taking over from pid 7 on web-1)"])
        #expect(machine.status.leading && machine.status.leader == nil)

        var alone = self.machine()
        #expect(cycle(&alone).events.map(\.kind) == [.leading], "the first cycle tells the standing even when it leads")
    }

    @Test func aStopCancelsTheApplyEndsTheWaitAndNoCycleFollows() {
        var machine = machine()
        cycle(&machine)
        let stop = machine.stop()
        #expect(stop.count == 2 && stop.contains { if case .cancelApply = $0 { true } else { false } }
                && stop.contains { if case .endSleep = $0 { true } else { false } })
        #expect(machine.stopping)
        #expect(machine.nextCycle(draw: 0, now: Self.now).isEmpty)
        #expect(machine.loopEnded().leading == [false])
        #expect(machine.wake().count == 1)
    }

    @Test func jitterSpreadsTheWait() {
        var machine = machine { settings in
            settings.interval = .seconds(10)
            settings.jitter = 0.1
        }
        #expect(machine.nextCycle(draw: 1, now: Self.now).sleeps == [.seconds(11)])
        #expect(machine.nextCycle(draw: -1, now: Self.now).sleeps == [.seconds(9)])
    }

    @Test func noticesAreEventsOfTheStatus() {
        var machine = machine()
        let effects = machine.noticed("recovered the journal", at: "2026-12-02T00:00:00Z")
        #expect(effects.events.map(\.message) == ["recovered the journal"])
        #expect(machine.status.events.last?.kind == .notice)
    }
}

extension [ControllerStateMachine.Effect] {
    fileprivate var steps: [ControllerStateMachine.CycleStep] {
        compactMap { if case .runCycle(_, let steps) = $0 { steps } else { nil } }.first ?? []
    }

    fileprivate var number: Int? {
        compactMap { if case .runCycle(let number, _) = $0 { number } else { nil } }.first
    }

    fileprivate var events: [ControllerEvent] {
        compactMap { if case .log(let event) = $0 { event } else { nil } }
    }

    fileprivate var notifications: [ControllerStateMachine.Notification] {
        compactMap { if case .notify(let notification) = $0 { notification } else { nil } }
    }

    fileprivate var sleeps: [Duration] {
        compactMap { if case .sleep(let delay) = $0 { delay } else { nil } }
    }

    fileprivate var leading: [Bool] {
        compactMap { if case .recordLeading(let leads) = $0 { leads } else { nil } }
    }

    fileprivate var actionCounts: [ActionCounts] {
        compactMap { if case .recordActions(let counts) = $0 { counts } else { nil } }
    }

    fileprivate var runCounts: [RunCounts] {
        compactMap { if case .recordRuns(let runs) = $0 { runs } else { nil } }
    }

    fileprivate var cycleResults: [CycleSummary.Result] {
        compactMap { if case .recordCycle(let result, _, _) = $0 { result } else { nil } }
    }

    fileprivate var recordedSets: [[SetStatus]] {
        compactMap { if case .recordSets(let sets) = $0 { sets } else { nil } }
    }
}
