import APIClient
import BatchTask
import DesiredTasks
import Foundation
import State

/// The I/O around `RunLife`: reads a current run, stops it at its timeout, and records the settled entry.
struct RunSettler: Sendable {
    let client: BatchTaskClient
    let recorder: StateRecorder

    /// A run settled: its entry as recorded, and what happened to it.
    struct Settled: Sendable {
        var entry: StateEntry
        var events: [RunEvent]
    }

    /// Looks at `task`'s current run `id` (`seen` when it was just read) and settles it when it ended or ran past
    /// its timeout; nil while it is still going, or when the state's current run is another one by now.
    func look(_ task: DesiredTask, id: Int32, seen: BatchTaskInfo? = nil, now: Date = Date()) async throws -> Settled? {
        guard let entry = await recorder.entry(task.address), entry.id == id, entry.outcome == nil else { return nil }
        let read: BatchTaskInfo?
        if let seen { read = seen } else { read = try await client.get(id) }
        guard let live = read else { return nil }  // gone: the next plan makes it again
        if let state = live.state { await recorder.noteState(state.rawValue, id: id, address: task.address) }
        let life = RunLife(address: task.address, policy: task.run, entry: entry)
        // A job's Result may echo what it was sent, secrets included.
        let result = live.result.map(task.redacting)
        let settled: (entry: StateEntry, events: [RunEvent])
        switch life.verdict(live.state, now: now) {
        case .settled, .running:
            return nil
        case .ended(let outcome):
            settled = life.settle(outcome, state: live.state?.rawValue, result: result, now: now)
        case .timedOut:
            settled = life.settle(.timedOut, state: live.state?.rawValue, result: result, now: now, stopNote: try await stop(live, id: id))
        }
        try await recorder.settled(settled.entry, address: task.address)
        return Settled(entry: settled.entry, events: settled.events)
    }

    /// Stops a run past its timeout where its CancellationBehaviour allows; says what came of it.
    private func stop(_ live: BatchTaskInfo, id: Int32) async throws -> String {
        guard live.canBeStopped else {
            return "its CancellationBehaviour is \(live.cancellationBehaviour ?? "not set"), so it was left to run"
        }
        return (try? await client.stop(id)) == true ? "it was stopped" : "the server did not stop it"
    }
}
