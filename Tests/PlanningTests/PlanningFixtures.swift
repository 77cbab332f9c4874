import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import State
@testable import Planning

/// Desired tasks, states and plans made the same way by every suite of this target.
protocol PlanningFixtures {}

extension PlanningFixtures {
    func task(_ key: String, name: String = "N", description: String? = nil, database: String? = nil,
              lifecycle: Lifecycle = Lifecycle(), secret: String? = nil) -> DesiredTask {
        var info = BatchTaskInfo()
        info.name = name
        info.description = description
        info.databaseSerialNumber = database
        var redactions: [BatchTaskField: JSONValue] = [:]
        if let secret {
            info.request = secret
            redactions[.request] = "(sensitive)"
        }
        return DesiredTask(setName: "s", key: key, address: "s/\(key)", source: SourceLocation(file: "s.yaml", line: 1, column: 1),
                           info: info, redactions: redactions, lifecycle: lifecycle)
    }

    /// The same tasks give the same state, lineage included, however often it is made.
    func state(_ tasks: [DesiredTask], firstID: Int32 = 100) -> State {
        var state = State(lineage: "6f1c0d52-lineage", serial: 0, endpoint: "http://x")
        for (i, task) in tasks.enumerated() {
            state.tasks[task.address] = StateEntry(id: firstID + Int32(i), fingerprint: Fingerprint.of(task: task.info),
                                                   applied: task.appliedRecord(.unkeyed), appliedAt: "2026-11-29T07:00:00Z", source: "s.yaml:1:1")
        }
        return state
    }

    func plan(_ desired: [DesiredTask], state: State?, live: [Int32: BatchTaskInfo]? = nil, moves: [Move] = [],
              configure: (inout PlanOptions) -> Void = { _ in }) throws -> Plan {
        var options = PlanOptions(endpoint: "http://x")
        configure(&options)
        return try Planner.plan(desired: desired, moves: moves, state: state, live: live, options: options)
    }
}

extension PlanningFixtures {
    /// The state as a run reads it from its file, where entries keep their applied fields as text.
    func reread(_ state: State) throws -> State {
        try State.decode(state.encoded(), path: "batchctl.state.json")
    }

    /// What the server holds for tasks applied into `state`: each task's fields under its entry's id.
    func live(_ tasks: [DesiredTask], in state: State) -> [Int32: BatchTaskInfo] {
        var live: [Int32: BatchTaskInfo] = [:]
        for task in tasks {
            guard let id = state.tasks[task.address]?.id else { continue }
            var info = task.info
            info.id = id
            live[id] = info
        }
        return live
    }

    func entry(id: Int32, _ task: DesiredTask) -> StateEntry {
        StateEntry(id: id, fingerprint: Fingerprint.of(task: task.info), applied: task.appliedRecord(.unkeyed),
                   appliedAt: "2026-11-29T07:00:00Z", source: "s.yaml:1:1")
    }
}
