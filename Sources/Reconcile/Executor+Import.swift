import APIClient
import BatchTask
import Planning
import State

extension Executor {
    /// What became of a plan's imports, and the addresses whose import failed.
    struct Imported {
        var outcomes: [ActionOutcome] = []
        var failed: Set<String> = []
    }

    /// Adopts each imported task as `batchctl import` does: read by id, then an `import` intent and its outcome
    /// in the journal. Nothing is sent that creates or changes a task, so a run killed between the two records is
    /// harmless: the next plan finds no entry and imports the task again.
    func importTasks(_ actions: [PlannedAction]) async -> Imported {
        var imported = Imported()
        guard !actions.isEmpty else { return imported }
        func fail(_ action: PlannedAction, _ why: String) {
            imported.outcomes.append(ActionOutcome(address: action.address, kind: .import, id: action.id, status: .failed(why)))
            imported.failed.insert(action.address)
        }
        let live: [Int32: BatchTaskInfo]
        do {
            live = try await client.getMany(actions.compactMap(\.id), concurrency: options.parallelism)
        } catch {
            for action in actions { fail(action, error.description) }
            return imported
        }
        for action in actions {
            if cancellation.isCancelled {
                imported.outcomes.append(ActionOutcome(address: action.address, kind: .import, id: action.id, status: .skipped("interrupted")))
                imported.failed.insert(action.address)
                continue
            }
            guard let id = action.id else {
                fail(action, "the task its import entry names was not read from the API; `batchctl apply` imports it")
                continue
            }
            guard let task = desired[action.address] else {
                fail(action, "no desired task for \(action.address)")
                continue
            }
            guard let info = live[id] else {
                fail(action, "the API has no task \(id)")
                continue
            }
            do {
                let entry = Import.entry(for: task, id: id, live: info, at: Timestamp.now(), secrets: recorder.secrets)
                let sequence = try await recorder.intent(.import, address: action.address, id: id, fingerprint: nil)
                try await recorder.outcome(sequence, address: action.address, .created(entry))
                imported.outcomes.append(ActionOutcome(address: action.address, kind: .import, id: id, status: .succeeded))
            } catch {
                cancellation.cancel()  // the journal or state cannot be written: stop sending
                fail(action, "\(error)")
            }
        }
        return imported
    }
}
