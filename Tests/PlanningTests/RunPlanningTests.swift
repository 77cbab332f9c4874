import BatchTask
import DesiredTasks
import Foundation
import Schedule
import State
import Testing
@testable import Planning

/// How runs are planned: a new run asked for, a change to a task that runs on change, and scheduled tasks, whose
/// runs start only when due.
@Suite struct RunPlanningTests: PlanningFixtures {
    private func withRun(_ task: DesiredTask, _ run: RunPolicy) -> DesiredTask {
        var task = task
        task.run = run
        return task
    }

    private func nightly(_ key: String, deadline: TimeInterval? = nil) throws -> DesiredTask {
        let schedule = RunSchedule(cron: try CronExpression(parsing: "0 2 * * *"), timeZone: try #require(TimeZoneName.zone("Europe/Oslo")),
                                   startingDeadline: deadline)
        return withRun(task(key, name: key), RunPolicy(when: .schedule, schedule: schedule))
    }

    /// A time written in the test, as the plan's clock.
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    @Test func aRunAskedForStartsTheSameFieldsAgainAndAFirstRunIsACreate() throws {
        let applied = [task("a"), task("b")]
        let state = state(applied)
        let plan = try plan(applied + [task("c")], state: state) { $0.runs = [Glob("s/*")] }
        #expect(plan.actions.map(\.kind) == [.run, .run, .create])
        #expect(plan.actions.first?.id == 100)
        #expect(plan.actions.first?.changes.isEmpty == true)
        #expect(plan.summaryLine == "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 2 to run.")
    }

    @Test func onChangeRunsAgainWhereOnceUpdates() throws {
        let before = [task("once", description: "a"), withRun(task("changing", description: "a"), RunPolicy(when: .onChange))]
        let after = [task("once", description: "b"), withRun(task("changing", description: "b"), RunPolicy(when: .onChange))]
        let plan = try plan(after, state: state(before))
        #expect(plan.actions.map(\.kind) == [.update, .run])
        #expect(plan.actions.last?.changes.map(\.field) == [.description])
        let unchanged = try self.plan(before, state: state(before))
        #expect(!unchanged.hasChanges)
    }

    @Test func onlyRunsAreKeptWhenTheRunCommandPlans() throws {
        let before = [task("a", description: "x"), task("b")]
        let after = [task("a", description: "changed"), task("b"), task("new")]
        let plan = try plan(after, state: state(before)) {
            $0.runs = [Glob("s/b")]
            $0.runsOnly = true
        }
        #expect(plan.actions.map(\.address) == ["s/b"])
        #expect(plan.actions.map(\.kind) == [.run])
    }

    @Test func aNewScheduledTaskIsRegisteredNotCreatedAndRunsWhenDue() throws {
        let tasks = [try nightly("n")]
        let registered = try plan(tasks, state: nil) { $0.now = Self.at("2026-12-01T12:00:00Z") }
        #expect(registered.actions.map(\.kind) == [.schedule])
        #expect(registered.actions.first?.slot == "2026-12-01T12:00:00Z")
        #expect(registered.schedules.first?.next == "2026-12-02T01:00:00Z")
        #expect(registered.summaryLine.hasSuffix("1 to schedule."))

        var state = State(lineage: "l", serial: 1, endpoint: "http://x")
        state.scheduled["s/n"] = "2026-12-01T12:00:00Z"
        // Registered and not yet due: nothing to do, even with --due.
        let early = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-02T00:59:00Z")
            $0.startsDueRuns = true
        }
        #expect(!early.hasChanges)
        // Due, but plan and apply do not start it: only `run --due` does.
        let applyTime = try plan(tasks, state: state) { $0.now = Self.at("2026-12-02T01:05:00Z") }
        #expect(!applyTime.hasChanges)
        #expect(applyTime.schedules.first?.dueSlot == "2026-12-02T01:00:00Z")
        let due = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-02T01:05:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(due.actions.map(\.kind) == [.run])
        #expect(due.actions.first?.slot == "2026-12-02T01:00:00Z")
        #expect(due.actions.first?.id == nil)
    }

    @Test func aScheduledRunCountsFromTheSlotOfTheLastRunAndSkipsWhatIsPastTheDeadline() throws {
        let tasks = [try nightly("n", deadline: 3600)]
        var state = state(tasks)
        state.tasks["s/n"]?.slot = "2026-12-01T01:00:00Z"
        let late = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-03T03:00:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(!late.hasChanges, "the 03 December slot (01:00 UTC) is two hours old: past the deadline")
        #expect(late.schedules.first?.missed == 2)
        #expect(late.schedules.first?.lastMissed == "2026-12-03T01:00:00Z")
        let inTime = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-03T01:30:00Z")
            $0.startsDueRuns = true
        }
        #expect(inTime.actions.map(\.kind) == [.run])
        #expect(inTime.actions.first?.id == 100)
        #expect(inTime.schedules.first?.missed == 1, "the 02 December slot was missed")
    }

    @Test func fieldChangesOfAScheduledTaskWaitForItsNextRun() throws {
        let before = [try nightly("n")]
        var changed = before
        changed[0].info.description = "new"
        let plan = try plan(changed, state: state(before)) { $0.now = Self.at("2026-11-29T08:00:00Z") }
        #expect(!plan.hasChanges)
    }

    @Test func aScheduledTaskThatNeverRanIsForgottenWhenItLeavesTheManifestsOrIsDestroyed() throws {
        var state = State(lineage: "l", serial: 1, endpoint: "http://x")
        state.scheduled = ["s/n": "2026-12-01T12:00:00Z", "s/gone": "2026-12-01T12:00:00Z"]
        let plan = try plan([try nightly("n")], state: state) { $0.now = Self.at("2026-12-01T13:00:00Z") }
        #expect(plan.unscheduled == ["s/gone"])
        #expect(plan.summaryLine == "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 1 to unschedule.")
        #expect(try PlanDocument.decode(PlanDocument.json({ var p = plan; p.manifestDigest = "d"; return p }(), saved: true)).unscheduled == ["s/gone"])
        let destroy = Planner.destroy(state: state, targets: .everything, sets: nil, endpoint: "http://x")
        #expect(destroy.unscheduled == ["s/gone", "s/n"])
        #expect(destroy.hasChanges)
    }

    @Test func theRunPolicyIsPartOfTheManifestDigest() throws {
        let plain = [task("a")]
        let scheduled = [withRun(task("a"), RunPolicy(when: .onChange))]
        let fewer = [withRun(task("a"), RunPolicy(history: 2))]
        #expect(Planner.digest(plain) != Planner.digest(scheduled))
        #expect(Planner.digest(plain) != Planner.digest(fewer))
        #expect(Planner.digest(plain) == Planner.digest([task("a")]))
    }

    @Test func aSavedPlanKeepsItsRunsAndSlots() throws {
        let tasks = [try nightly("n")]
        var state = State(lineage: "l", serial: 1, endpoint: "http://x")
        state.scheduled["s/n"] = "2026-12-01T12:00:00Z"
        var plan = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-02T01:05:00Z")
            $0.startsDueRuns = true
        }
        plan.manifestDigest = Planner.digest(tasks)
        let back = try PlanDocument.decode(PlanDocument.json(plan, saved: true))
        #expect(back.actions.map(\.kind) == [.run])
        #expect(back.actions.first?.slot == "2026-12-02T01:00:00Z")
    }
}

/// Retries and suspensions as the planner sees them: a retry starts when due with `startsDueRuns`, a due slot wins
/// over it, and a suspended task starts nothing by itself.
@Suite struct RetryPlanningTests: PlanningFixtures {
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    private func nightly(_ key: String, _ configure: (inout RunPolicy) -> Void = { _ in }) throws -> DesiredTask {
        let schedule = RunSchedule(cron: try CronExpression(parsing: "0 2 * * *"), timeZone: try #require(TimeZoneName.zone("Europe/Oslo")), startingDeadline: nil)
        var task = task(key, name: key)
        task.run = RunPolicy(when: .schedule, schedule: schedule, retry: RetryPolicy(limit: 2))
        configure(&task.run)
        return task
    }

    /// A state whose run of `task` (slot 02 December 02:00 Oslo) failed, with a retry due at `retryAt`.
    private func failed(_ task: DesiredTask, retryAt: String?, attempt: Int = 1) -> State {
        var state = state([task])
        state.tasks[task.address]?.slot = "2026-12-02T01:00:00Z"
        state.tasks[task.address]?.outcome = .failed
        state.tasks[task.address]?.retryAt = retryAt
        state.tasks[task.address]?.attempt = attempt
        return state
    }

    @Test func aRetryStartsOnceItsBackoffHasPassed() throws {
        let tasks = [try nightly("n")]
        let state = failed(tasks[0], retryAt: "2026-12-02T01:06:00Z")
        let early = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-02T01:05:00Z")
            $0.startsDueRuns = true
        }
        #expect(!early.hasChanges)
        #expect(early.schedules.first?.retry == ScheduledTask.PendingRetry(attempt: 2, limit: 2, at: "2026-12-02T01:06:00Z"))
        let due = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-02T01:06:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        let action = try #require(due.actions.first)
        #expect(action.kind == .run)
        #expect(action.attempt == 2)
        #expect(action.slot == "2026-12-02T01:00:00Z", "a retry keeps its slot")
        #expect(action.reason?.hasPrefix("retry 1/2") == true)
        #expect(action.id == 100)
        let applyTime = try plan(tasks, state: state) { $0.now = Self.at("2026-12-02T01:06:00Z") }
        #expect(!applyTime.hasChanges, "apply starts no retry")
    }

    @Test func aRetryTheManifestsNoLongerAllowIsNotStarted() throws {
        let fewer = [try nightly("n") { $0.retry.limit = 0 }]
        let plan = try plan(fewer, state: failed(fewer[0], retryAt: "2026-12-02T01:06:00Z")) {
            $0.now = Self.at("2026-12-02T01:07:00Z")
            $0.startsDueRuns = true
        }
        #expect(!plan.hasChanges)
        #expect(plan.schedules.first?.retry == nil)
    }

    @Test func aDueSlotWinsOverAPendingRetry() throws {
        let tasks = [try nightly("n")]
        let plan = try plan(tasks, state: failed(tasks[0], retryAt: "2026-12-02T01:06:00Z")) {
            $0.now = Self.at("2026-12-03T01:01:00Z")
            $0.startsDueRuns = true
        }
        #expect(plan.actions.map(\.kind) == [.run])
        #expect(plan.actions.first?.attempt == 1)
        #expect(plan.actions.first?.slot == "2026-12-03T01:00:00Z")
    }

    @Test func aSuspendedTaskStartsNoSlotNorRetry() throws {
        let suspended = [try nightly("n") { $0.suspend = true }]
        let byManifest = try plan(suspended, state: failed(suspended[0], retryAt: "2026-12-02T01:06:00Z")) {
            $0.now = Self.at("2026-12-03T01:01:00Z")
            $0.startsDueRuns = true
        }
        #expect(!byManifest.hasChanges)
        #expect(byManifest.schedules.first?.suspended == .manifest)
        #expect(byManifest.schedules.first?.dueSlot == nil)

        let tasks = [try nightly("n")]
        var state = failed(tasks[0], retryAt: "2026-12-02T01:06:00Z")
        let pause = Suspension(by: "batchctl", at: "2026-12-02T01:05:00Z", reason: "paused after 2 failed runs", afterFailures: true)
        state.tasks["s/n"]?.suspension = pause
        let byState = try plan(tasks, state: state) {
            $0.now = Self.at("2026-12-03T01:01:00Z")
            $0.startsDueRuns = true
        }
        #expect(!byState.hasChanges)
        #expect(byState.schedules.first?.suspended == .state(pause))
        // Asked for by name, it still starts.
        let asked = try plan(tasks, state: state) {
            $0.runs = [Glob("s/n")]
            $0.runsOnly = true
        }
        #expect(asked.actions.map(\.kind) == [.run])
    }

    @Test func aWatchedRunIsLookedAtUntilSettledAndALookIsNoChange() throws {
        var watched = task("w")
        watched.run = RunPolicy(timeout: 600)
        let tasks = [watched, task("plain")]
        let state = state(tasks)
        let looking = try plan(tasks, state: state) { $0.startsDueRuns = true }
        #expect(looking.looks == [RunLook(address: "s/w", id: 100)])
        #expect(!looking.hasChanges)
        #expect(looking.hasWork)
        #expect(looking.summaryLine == "No changes.")
        #expect(try plan(tasks, state: state).looks.isEmpty, "plan and apply do not look")
        var settled = state
        settled.tasks["s/w"]?.outcome = .succeeded
        #expect(try plan(tasks, state: settled) { $0.startsDueRuns = true }.looks.isEmpty)
    }

    @Test func aRetryOfATaskThatIsNotScheduledStartsWithRunDue() throws {
        var once = task("o")
        once.run = RunPolicy(retry: RetryPolicy(limit: 1))
        var state = state([once])
        state.tasks["s/o"]?.outcome = .failed
        state.tasks["s/o"]?.retryAt = "2026-12-02T01:06:00Z"
        let plan = try plan([once], state: state) {
            $0.now = Self.at("2026-12-02T01:07:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(plan.actions.map(\.kind) == [.run])
        #expect(plan.actions.first?.reason?.hasPrefix("retry 1/1") == true)
    }

    @Test func aWaitPassLooksAtWhatItFollowsAndStartsItsDueRetries() throws {
        var once = task("o")
        once.run = RunPolicy(retry: RetryPolicy(limit: 1))
        let plain = task("plain")
        var state = state([once, plain])
        // A plain task's run is looked at only when a pass follows it, whatever its run policy.
        let following = try plan([once, plain], state: state) { $0.follows = ["s/plain"] }
        #expect(following.looks == [RunLook(address: "s/plain", id: 101)])
        #expect(!following.hasChanges && following.hasWork)
        state.tasks["s/o"]?.outcome = .failed
        state.tasks["s/o"]?.retryAt = "2026-12-02T01:06:00Z"
        // Apply's pass (not runsOnly, not startsDueRuns) starts the retry of a followed address once it is due.
        let early = try plan([once, plain], state: state) {
            $0.now = Self.at("2026-12-02T01:05:00Z")
            $0.follows = ["s/o"]
        }
        #expect(early.actions.allSatisfy { $0.kind == .noop })
        let due = try plan([once, plain], state: state) {
            $0.now = Self.at("2026-12-02T01:07:00Z")
            $0.follows = ["s/o"]
        }
        #expect(due.actions.filter { $0.kind == .run }.map(\.address) == ["s/o"])
        #expect(due.actions.first { $0.kind == .run }?.attempt == 2)
        let notFollowed = try plan([once, plain], state: state) { $0.now = Self.at("2026-12-02T01:07:00Z") }
        #expect(!notFollowed.actions.contains { $0.kind == .run }, "apply alone starts no retry")
    }

    @Test func theNewPolicyFieldsChangeTheDigest() throws {
        let plain = try nightly("n")
        let longer = try nightly("n") { $0.timeout = 60 }
        let paused = try nightly("n") { $0.pauseAfterFailures = 2 }
        #expect(Planner.digest([plain]) != Planner.digest([longer]))
        #expect(Planner.digest([plain]) != Planner.digest([paused]))
    }

    @Test func aRetryAttemptSurvivesASavedPlan() throws {
        var plan = Plan(actions: [PlannedAction(address: "s/n", kind: .run, id: 3, reason: "retry 1/2", slot: "2026-12-02T01:00:00Z", attempt: 2)],
                        orphans: [], drift: [], stateLineage: "l", stateSerial: 1, endpoint: "http://x", refreshed: false)
        plan.manifestDigest = "d"
        #expect(try PlanDocument.decode(PlanDocument.json(plan, saved: true)).actions.first?.attempt == 2)
    }
}

extension RetryPlanningTests {
    @Test func aSuspendedTaskAskedForByNameSaysItIsSuspended() throws {
        var held = task("h")
        held.run = RunPolicy(suspend: true)
        let plan = try plan([held], state: state([held])) { $0.runs = [Glob("s/h")] }
        #expect(plan.actions.first?.reason == "a new run asked for; it is suspended (run.suspend in the manifest)")
    }
}
