import BatchTask
import DesiredTasks
import JSON
import State
import Testing
@testable import Planning

/// Plans against a state read from its file's bytes, whose entries keep their fields as text: the shortcut that
/// compares that text with what each task would record must give the plans the fields give.
@Suite struct StateFilePlannerTests: PlanningFixtures {
    var applied: [DesiredTask] {
        var parameters = task("p", description: "d")
        parameters.info.parameterObject = .object(["z": 1, "a": .object(["y": "x", "b": 2.5])])
        return [task("a", description: "d"), task("b", database: "1"), task("c", secret: "one"), parameters,
                task("i", description: "old"), task("gone")]
    }

    @Test func theEntriesAreText() throws {
        let managed = try reread(state(applied))
        let text = managed.tasks.values.count { $0.appliedIsText }
        #expect(managed.tasks.count == applied.count && text == applied.count)
    }

    @Test func unchangedTasksAreNoOps() throws {
        let desired = Array(applied.dropLast())
        let result = try plan(desired, state: try reread(state(applied)))
        #expect(result.actions.map(\.kind) == Array(repeating: .noop, count: desired.count))
        #expect(result.orphans.map(\.address) == ["s/gone"])
        let refreshed = try plan(desired, state: try reread(state(applied)), live: live(applied, in: state(applied)))
        #expect(!refreshed.hasChanges && refreshed.drift.isEmpty)
    }

    @Test func changedFieldsAreUpdatesAndReplacesAsInMemory() throws {
        var desired = applied
        desired[0].info.description = "new"
        desired[1].info.databaseSerialNumber = "2"
        desired[2] = task("c", secret: "two")
        desired[3].info.parameterObject = .object(["z": 1, "a": .object(["y": "x", "b": 3])])
        desired[4].lifecycle.ignoreChanges = [.description]
        desired[4].info.description = "ignored"
        let fromFile = try plan(desired, state: try reread(state(applied)))
        let inMemory = try plan(desired, state: state(applied))
        #expect(fromFile.actions.map(\.kind) == [.update, .replace, .update, .replace, .noop, .noop])
        #expect(fromFile.actions[0].changes == [FieldChange(field: .description, before: "d", after: "new")])
        #expect(fromFile.actions[2].changes == [FieldChange(field: .request, before: "(sensitive)", after: "(sensitive)")])
        // The file keeps nested keys sorted, so a value shown from it may list them in another order.
        #expect(canonical(fromFile.actions) == canonical(inMemory.actions))
        #expect(canonical(fromFile.actions) != canonical(try plan(applied, state: state(applied)).actions))
    }

    func canonical(_ actions: [PlannedAction]) -> [PlannedAction] {
        actions.map { action in
            var action = action
            action.changes = action.changes.map {
                FieldChange(field: $0.field, before: $0.before.map(Fingerprint.canonical), after: $0.after.map(Fingerprint.canonical))
            }
            return action
        }
    }

    @Test func refreshReadsDriftFromTextEntries() throws {
        let managed = state(applied)
        var server = live(applied, in: managed)
        server[100]?.description = "by hand"
        server[102]?.request = "changed on the server"
        let result = try plan(applied, state: try reread(managed), live: server)
        #expect(result.actions[0].kind == .update)
        #expect(result.actions[0].reason == "changed outside batchctl: Description")
        #expect(result.actions[0].changes == [FieldChange(field: .description, before: "by hand", after: "d")])
        #expect(result.drift.map(\.address) == ["s/a", "s/c"])
        #expect(result.drift == (try plan(applied, state: managed, live: server)).drift)
    }
}
