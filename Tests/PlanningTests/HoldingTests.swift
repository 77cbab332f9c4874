import BatchTask
import DesiredTasks
import Foundation
import Schedule
import State
import Testing
@testable import Planning

/// Which starts a plan holds for what they depend on, and how it carries the state's pending runs.
@Suite struct HoldingTests: PlanningFixtures {
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    private func depending(_ task: DesiredTask, on keys: String...) -> DesiredTask {
        var task = task
        task.dependsOn = keys.map { "s/\($0)" }
        return task
    }

    private func nightly(_ key: String, dependsOn keys: [String] = [], deadline: TimeInterval? = nil) throws -> DesiredTask {
        let schedule = RunSchedule(cron: try CronExpression(parsing: "0 1 * * *"), timeZone: try #require(TimeZoneName.zone("UTC")),
                                   startingDeadline: deadline)
        var task = task(key, name: key)
        task.run = RunPolicy(when: .schedule, schedule: schedule)
        task.dependsOn = keys.map { "s/\($0)" }
        return task
    }

    private func registered(_ addresses: [String]) -> State {
        var state = State(lineage: "l", serial: 1, endpoint: "http://x")
        for address in addresses { state.scheduled[address] = "2030-01-01T00:30:00Z" }
        return state
    }

    @Test func aCreateBesideWhatItDependsOnIsHeldAndSoIsWhatDependsOnIt() throws {
        let tasks = [task("a"), depending(task("b"), on: "a"), depending(task("c"), on: "b"), task("d")]
        let plan = try plan(tasks, state: nil) { $0.now = Self.at("2030-01-01T00:00:00Z") }
        #expect(plan.actions.filter { $0.kind == .create }.map(\.address) == ["s/a", "s/d"])
        #expect(plan.holds.map(\.address) == ["s/b", "s/c"])
        let held = try #require(plan.holds.first)
        #expect(held.run == PendingRun(slot: nil, waitsFor: ["s/a"], since: "2030-01-01T00:00:00Z", start: .create))
        #expect(held.action.kind == .create)
        #expect(plan.summaryLine == "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 2 to hold.")
        #expect(plan.hasWork)
    }

    @Test func anUpdateIsNotHeldAndADependencyThatOnlyChangesHoldsNothing() throws {
        let applied = [task("a"), depending(task("b"), on: "a")]
        let changed = [task("a", description: "new"), depending(task("b", description: "new"), on: "a")]
        let plan = try plan(changed, state: state(applied))
        #expect(plan.actions.map(\.kind) == [.update, .update])
        #expect(plan.pending.isEmpty)
    }

    @Test func aDueRunOfATaskWithDependenciesIsAlwaysHeldSoItsDependenciesAreJudgedFirst() throws {
        let tasks = [try nightly("a"), try nightly("b", dependsOn: ["a"])]
        let plan = try plan(tasks, state: registered(["s/a", "s/b"])) {
            $0.now = Self.at("2030-01-01T01:01:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(plan.actions.filter { $0.kind == .run }.map(\.address) == ["s/a"])
        #expect(plan.holds.map(\.address) == ["s/b"])
        #expect(plan.holds.first?.run.slot == "2030-01-01T01:00:00Z")
        #expect(plan.holds.first?.run.start == .run)

        // Only b is due (a ran for the slot already): b is still held, and judged when the plan is applied.
        var ran = registered(["s/b"])
        var entry = entry(id: 7, tasks[0])
        entry.slot = "2030-01-01T01:00:00Z"
        ran.tasks["s/a"] = entry
        let alone = try self.plan(tasks, state: ran) {
            $0.now = Self.at("2030-01-01T01:01:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(alone.actions.filter { $0.kind == .run }.isEmpty)
        #expect(alone.holds.map(\.address) == ["s/b"])
    }

    @Test func aRunAskedForByNameIsHeldOnlyBesideWhatItDependsOn() throws {
        let tasks = [try nightly("a"), try nightly("b", dependsOn: ["a"])]
        let applied = state(tasks)
        let both = try plan(tasks, state: applied) {
            $0.runsOnly = true
            $0.runs = [Glob("s/*")]
        }
        #expect(both.actions.map(\.address) == ["s/a"])
        #expect(both.holds.map(\.address) == ["s/b"])
        #expect(both.holds.first?.run.slot == nil)
        let alone = try plan(tasks, state: applied) {
            $0.runsOnly = true
            $0.runs = [Glob("s/b")]
        }
        #expect(alone.actions.map(\.address) == ["s/b"], "asked for alone, it starts at once")
        #expect(alone.pending.isEmpty)
    }

    @Test func theStatesPendingRunsAreCarriedWithWhatStartsThemAndNotHeldTwice() throws {
        let tasks = [try nightly("a"), try nightly("b", dependsOn: ["a"])]
        var state = registered([])
        var entry = entry(id: 7, tasks[0])
        entry.slot = "2030-01-01T01:00:00Z"
        state.tasks["s/a"] = entry
        state.scheduled["s/b"] = "2030-01-01T00:30:00Z"
        state.pending["s/b"] = [PendingRun(slot: "2030-01-01T01:00:00Z", waitsFor: ["s/a"], since: "2030-01-01T01:01:00Z", start: .run)]
        let plan = try plan(tasks, state: state) {
            $0.now = Self.at("2030-01-01T01:30:00Z")
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
        #expect(plan.holds.isEmpty, "the pending slot is not due again")
        let step = try #require(plan.pending.first)
        #expect(!step.isNew)
        #expect(step.action.kind == .run && step.action.id == nil && step.action.slot == "2030-01-01T01:00:00Z")
        #expect(plan.summaryLine == "No changes.")
        #expect(plan.hasWork)

        // `plan` shows them too; `run ADDR` carries only the asked address's.
        #expect(try self.plan(tasks, state: state).pending.count == 1)
        let other = try self.plan(tasks, state: state) {
            $0.runsOnly = true
            $0.runs = [Glob("s/a")]
        }
        #expect(other.pending.isEmpty)
    }

    @Test func aCreateHeldBeforeIsStartedByItsPendingStepNotPlannedAgain() throws {
        let tasks = [task("a"), depending(task("b"), on: "a")]
        var state = state([tasks[0]])
        state.pending["s/b"] = [PendingRun(slot: nil, waitsFor: ["s/a"], since: "2030-01-01T00:00:00Z", start: .create)]
        let plan = try plan(tasks, state: state)
        #expect(plan.actions.allSatisfy { $0.kind == .noop })
        #expect(plan.pending.map(\.isNew) == [false])
        #expect(plan.pending.first?.action.kind == .create)
    }

    @Test func aPendingRunWhoseTaskLeftTheManifestsIsDropped() throws {
        var state = state([task("a")])
        state.pending["s/gone"] = [PendingRun(slot: nil, waitsFor: ["s/a"], since: "2030-01-01T00:00:00Z", start: .create)]
        let plan = try plan([task("a")], state: state)
        #expect(plan.pending.first?.action.kind == .noop)
        #expect(plan.pending.first?.action.reason == "its task is no longer in the manifests")
    }

    @Test func aSavedPlanKeepsItsPendingSteps() throws {
        let tasks = [task("a"), depending(task("b"), on: "a")]
        var plan = try plan(tasks, state: nil) { $0.now = Self.at("2030-01-01T00:00:00Z") }
        plan.manifestDigest = "d"
        let document = PlanDocument.json(plan, saved: true)
        #expect(document["summary"]?["hold"]?.intValue == 1)
        let read = try PlanDocument.decode(document)
        #expect(read.pending == plan.pending)
    }
}
