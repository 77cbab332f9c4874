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
    /// harmless: the next plan finds no entry and imports the task again. Tasks are read a batch at a time, so each
    /// is recorded as the server holds it when it is adopted.
    func importTasks(_ actions: [PlannedAction]) async -> Imported {
        var imported = Imported()
        let batchSize = max(1, options.parallelism) * 4
        var start = actions.startIndex
        while start < actions.endIndex {
            let batch = Array(actions[start..<min(start + batchSize, actions.endIndex)])
            start += batch.count
            if cancellation.isCancelled {
                for action in batch { imported.add(action, .skipped("interrupted")) }
                continue
            }
            do {
                let live = try await client.getMany(batch.compactMap(\.id), concurrency: options.parallelism)
                for action in batch { imported.add(action, await record(action, live: live)) }
            } catch {
                for action in batch { imported.add(action, .failed(error.description)) }
            }
        }
        return imported
    }

    /// Journals one import, the task read as `live[id]`.
    private func record(_ action: PlannedAction, live: [Int32: BatchTaskInfo]) async -> ActionOutcome.Status {
        guard let id = action.id else {
            return .failed("the task its import entry names was not read from the API; `batchctl apply` imports it")
        }
        guard let task = desired[action.address] else { return .failed("no desired task for \(action.address)") }
        guard let info = live[id] else { return .failed("the API has no task \(id)") }
        if cancellation.isCancelled { return .skipped("interrupted") }
        do {
            try await recorder.imported(Import.entry(for: task, id: id, live: info, at: Timestamp.now(), secrets: recorder.secrets),
                                        address: action.address)
            return .succeeded
        } catch {
            cancellation.cancel()  // the journal or state cannot be written: stop sending
            return .failed("\(error)")
        }
    }
}

extension Executor.Imported {
    mutating func add(_ action: PlannedAction, _ status: ActionOutcome.Status) {
        outcomes.append(ActionOutcome(address: action.address, kind: .import, id: action.id, status: status))
        if status != .succeeded { failed.insert(action.address) }
    }
}
