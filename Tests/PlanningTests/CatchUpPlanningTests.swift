import BatchTask
import DesiredTasks
import Foundation
import Schedule
import State
import Testing
@testable import Planning

/// `run.catchUp: all` as the planner sees it, and runs asked for one slot (`run ADDR --slot TIME`).
@Suite struct CatchUpPlanningTests: PlanningFixtures {
    private static func at(_ text: String) -> Date { Timestamp.date(text) ?? .distantPast }

    /// An hourly task in Oslo (UTC+1 in winter).
    private func hourly(_ key: String, catchUp: RunPolicy.CatchUp = .all, deadline: TimeInterval? = nil) throws -> DesiredTask {
        let schedule = RunSchedule(cron: try CronExpression(parsing: "0 * * * *"), timeZone: try #require(TimeZoneName.zone("Europe/Oslo")),
                                   startingDeadline: deadline)
        var task = task(key, name: key)
        task.run = RunPolicy(when: .schedule, schedule: schedule)
        task.run.catchUp = catchUp
        return task
    }

    /// A state whose run of `task` was for `slot`.
    private func ran(_ task: DesiredTask, slot: String) -> State {
        var state = state([task])
        state.tasks[task.address]?.slot = slot
        return state
    }

    private func due(_ tasks: [DesiredTask], _ state: State, at now: String) throws -> Plan {
        try plan(tasks, state: state) {
            $0.now = Self.at(now)
            $0.startsDueRuns = true
            $0.runsOnly = true
        }
    }

    @Test func threeHoursLateStartsTheOldestSlotAndCountsTheRestToCatchUp() throws {
        let tasks = [try hourly("h")]
        let plan = try due(tasks, ran(tasks[0], slot: "2030-01-10T00:00:00Z"), at: "2030-01-10T03:10:00Z")
        let action = try #require(plan.actions.first)
        #expect(plan.actions.count == 1, "one run a pass")
        #expect(action.kind == .run && action.slot == "2030-01-10T01:00:00Z")
        #expect(action.reason == "due at 2030-01-10T02:00:00+01:00; 1 of 3 slots to catch up")
        let standing = try #require(plan.schedules.first)
        #expect(standing.dueSlot == "2030-01-10T01:00:00Z")
        #expect(standing.catchUp == ["2030-01-10T01:00:00Z", "2030-01-10T02:00:00Z", "2030-01-10T03:00:00Z"])
        #expect(standing.missed == 0, "every slot runs")
        #expect(PlanDocument.scheduled(standing)["catchUp"]?.arrayValue?.count == 3)
        // The next pass, once the 01:00 run is recorded, starts 02:00.
        var after = ran(tasks[0], slot: "2030-01-10T01:00:00Z")
        after.tasks["s/h"]?.history = [PastRun(id: 99, startedAt: "2030-01-10T00:00:05Z", slot: "2030-01-10T00:00:00Z")]
        let next = try due(tasks, after, at: "2030-01-10T03:11:00Z")
        #expect(next.actions.first?.slot == "2030-01-10T02:00:00Z")
        #expect(next.schedules.first?.catchUp.count == 2)
        let last = try due(tasks, ran(tasks[0], slot: "2030-01-10T02:00:00Z"), at: "2030-01-10T03:12:00Z")
        #expect(last.actions.first?.slot == "2030-01-10T03:00:00Z")
        #expect(last.actions.first?.reason == "due at 2030-01-10T04:00:00+01:00", "the last slot alone")
        #expect(last.schedules.first?.catchUp == ["2030-01-10T03:00:00Z"])
    }

    @Test func latestStartsTheLatestSlotOnlyAndCountsTheOthersMissed() throws {
        let tasks = [try hourly("h", catchUp: .latest)]
        let plan = try due(tasks, ran(tasks[0], slot: "2030-01-10T00:00:00Z"), at: "2030-01-10T03:10:00Z")
        #expect(plan.actions.map(\.slot) == ["2030-01-10T03:00:00Z"])
        #expect(plan.schedules.first?.missed == 2)
        #expect(plan.schedules.first?.catchUp == [])
    }

    @Test func onlySlotsWithinTheDeadlineAreCaughtUp() throws {
        let tasks = [try hourly("h", deadline: 5400)]
        let plan = try due(tasks, ran(tasks[0], slot: "2030-01-10T00:00:00Z"), at: "2030-01-10T03:10:00Z")
        #expect(plan.actions.map(\.slot) == ["2030-01-10T02:00:00Z"])
        let standing = try #require(plan.schedules.first)
        #expect(standing.missed == 1 && standing.lastMissed == "2030-01-10T01:00:00Z")
        #expect(standing.catchUp.count == 2)
    }

    @Test func aSuspendedTaskCatchesNothingUp() throws {
        var task = try hourly("h")
        task.run.suspend = true
        let plan = try due([task], ran(task, slot: "2030-01-10T00:00:00Z"), at: "2030-01-10T03:10:00Z")
        #expect(plan.actions.allSatisfy { $0.kind == .noop })
        #expect(plan.schedules.first?.catchUp == [])
    }

    @Test func catchUpIsPartOfTheManifestDigest() throws {
        #expect(Planner.digest([try hourly("h", catchUp: .latest)]) != Planner.digest([try hourly("h")]))
    }

    @Test func aRunAskedForASlotIsForThatSlot() throws {
        let tasks = [try hourly("h", catchUp: .latest), task("plain")]
        let state = ran(tasks[0], slot: "2030-01-10T03:00:00Z")
        let plan = try plan(tasks, state: state) {
            $0.now = Self.at("2030-01-10T03:30:00Z")
            $0.runs = [Glob("s/h")]
            $0.runsOnly = true
            $0.slot = Self.at("2030-01-09T22:00:00Z")
        }
        let action = try #require(plan.actions.first)
        #expect(action.kind == .run && action.slot == "2030-01-09T22:00:00Z")
        #expect(action.reason == "a new run asked for, for slot 2030-01-09T23:00:00+01:00")
        // A first run of a task that is not scheduled is a create for that slot, read in UTC.
        let created = try self.plan(tasks + [task("new")], state: state) {
            $0.now = Self.at("2030-01-10T03:30:00Z")
            $0.runs = [Glob("s/new")]
            $0.runsOnly = true
            $0.slot = Self.at("2030-01-09T22:00:00Z")
        }
        #expect(created.actions.map(\.kind) == [.create])
        #expect(created.actions.first?.slot == "2030-01-09T22:00:00Z")
        #expect(created.actions.first?.reason == "its first run, for slot 2030-01-09T22:00:00Z")
    }

    @Test func aSlotNotOfTheScheduleIsRefusedNamingTheSlotsAround() throws {
        let tasks = [try hourly("h")]
        let state = ran(tasks[0], slot: "2030-01-10T03:00:00Z")
        do {
            _ = try plan(tasks, state: state) {
                $0.now = Self.at("2030-01-10T03:30:00Z")
                $0.runs = [Glob("s/h")]
                $0.runsOnly = true
                $0.slot = Self.at("2030-01-09T22:30:00Z")
            }
            Issue.record("a slot between two slots was planned")
        } catch let error as PlanningError {
            #expect(error.problems.map(\.message) == [
                "--slot 2030-01-09T23:30:00+01:00 is not a slot of s/h's schedule 0 * * * * (Europe/Oslo); the slot before it 2030-01-09T23:00:00+01:00, and after it 2030-01-10T00:00:00+01:00",
            ])
        }
        do {
            _ = try plan(tasks, state: state) {
                $0.now = Self.at("2030-01-10T03:30:00Z")
                $0.runs = [Glob("s/h")]
                $0.runsOnly = true
                $0.slot = Self.at("2030-01-10T05:00:00Z")
            }
            Issue.record("a slot still to come was planned")
        } catch let error as PlanningError {
            #expect(error.problems.first?.message.contains("is still to come") == true)
        }
    }
}
