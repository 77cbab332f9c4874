import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import State
import Testing
@testable import Planning

/// Fields that use `${run.*}` compare as the entry's run was sent: a new slot is no change, a new template is.
@Suite struct RunTimeFieldPlanningTests: PlanningFixtures {
    private static let context = RunContext(slot: "2030-01-01T02:00:00+01:00", previousSlot: nil, lastSucceededSlot: nil, attempt: 1)

    /// Task `a` whose Description is `prefix` and the run's slot.
    private func runTask(_ prefix: String = "for ") -> DesiredTask {
        var task = task("a", name: "A")
        task.runTime = RunTimeFields(fields: [.description], templates: prefix + "${run.slot}") { context, info, _ throws(Diagnostic) in
            info.description = prefix + context.slot
        }
        return task
    }

    /// The state after `sent` was applied with `context`.
    private func applied(_ sent: DesiredTask, context: RunContext?) throws -> State {
        var state = state([sent])
        state.tasks["s/a"]?.runContext = context
        return state
    }

    @Test func aFieldThatUsesRunComparesAsItsRunWasSent() throws {
        let task = runTask()
        let state = try applied(try task.forRun(Self.context), context: Self.context)
        #expect(try plan([task], state: state).actions.map(\.kind) == [.noop])
        #expect(try plan([task], state: reread(state)).actions.map(\.kind) == [.noop])
    }

    @Test func aChangedTemplateIsAChange() throws {
        let state = try applied(try runTask().forRun(Self.context), context: Self.context)
        let plan = try plan([runTask("since ")], state: state)
        #expect(plan.actions.map(\.kind) == [.update])
        #expect(plan.actions.first?.changes.map(\.field) == [.description])
        #expect(plan.actions.first?.changes.first?.after == .string("since 2030-01-01T02:00:00+01:00"))
    }

    @Test func anEntryWithoutARunContextDiffersInTheRunTimeFields() throws {
        let state = try applied(task("a", name: "A", description: "old"), context: nil)
        let plan = try plan([runTask()], state: state)
        let change = try #require(plan.actions.first?.changes.first)
        #expect(plan.actions.first?.changes.count == 1)
        #expect(change.field == .description && change.before == .string("old"))
        #expect(change.after == .string(DesiredTask.runTimeMarker))
    }

    @Test func aNewTaskShowsItsRunTimeFieldsAsKnownAtRunTime() throws {
        let plan = try plan([runTask()], state: nil)
        #expect(plan.actions.first?.changes.map(\.field) == [.name, .description])
        #expect(plan.actions.first?.changes.last?.after == .string(DesiredTask.runTimeMarker))
    }

    @Test func theDigestHoldsTheTemplates() {
        #expect(Planner.digest([runTask()]) == Planner.digest([runTask()]))
        #expect(Planner.digest([runTask()]) != Planner.digest([runTask("since ")]))
    }
}
