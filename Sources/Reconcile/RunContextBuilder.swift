import DesiredTasks
import Foundation
import Planning
import State

/// What a run knows of itself when it starts (`${run.*}`), read off its task's schedule and state entry.
struct RunContextBuilder {
    /// The task's schedule time zone (`Europe/Berlin`), in which slots are written; nil for a task without one
    /// (slots stay UTC).
    var timeZone: String?

    init(task: DesiredTask) {
        timeZone = task.run.schedule.map { $0.timeZone.identifier == "GMT" ? "UTC" : $0.timeZone.identifier }
    }

    init(timeZone: String?) {
        self.timeZone = timeZone
    }

    /// The context of a run for `slot` (ISO 8601 UTC), or for a run not for a slot started at `startedAt`; `entry` is
    /// the task's state entry before the run starts.
    func context(slot: String?, startedAt: String, attempt: Int, entry: StateEntry?) -> RunContext {
        let own = slot ?? startedAt
        let ownDate = Timestamp.date(own)
        var previous: (date: Date, text: String)?
        var succeeded: (date: Date, text: String)?
        for run in Self.runs(of: entry) {
            guard let date = Timestamp.date(run.slot) else { continue }
            // Earlier attempts of the same slot are this run's own; a run for a later slot (a backfill) is not before it.
            if let ownDate, date >= ownDate { continue }
            if previous.map({ date > $0.date }) ?? true { previous = (date, run.slot) }
            if run.succeeded, succeeded.map({ date > $0.date }) ?? true { succeeded = (date, run.slot) }
        }
        return RunContext(slot: written(own), previousSlot: previous.map { written($0.text) },
                          lastSucceededSlot: succeeded.map { written($0.text) }, attempt: attempt)
    }

    /// The context the entry's current run had, for a task that recorded none (it did not use `${run.*}` then).
    func current(of entry: StateEntry) -> RunContext {
        context(slot: entry.slot, startedAt: entry.appliedAt, attempt: entry.attempt, entry: entry)
    }

    /// A slot as `${run.slot}` gives it: in the schedule's wall clock with its offset.
    private func written(_ utc: String) -> String {
        guard let timeZone, let date = Timestamp.date(utc) else { return utc }
        return ScheduledTask.wallClock(date, in: timeZone)
    }

    /// The slot of each run the entry knows (a run not for a slot: when it started), and whether it Succeeded.
    private static func runs(of entry: StateEntry?) -> [(slot: String, succeeded: Bool)] {
        guard let entry else { return [] }
        var runs = entry.history.map { run in
            (slot: run.slot ?? run.startedAt, succeeded: run.outcome == .succeeded || run.state == "Succeeded")
        }
        let currentSlot = entry.slot ?? entry.runContext.flatMap { Timestamp.date($0.slot).map(Timestamp.string) } ?? entry.appliedAt
        runs.append((slot: currentSlot, succeeded: entry.outcome == .succeeded || entry.lastState == "Succeeded"))
        return runs
    }
}

/// When a run starts (its intent's time) and what it knows of itself; `context` is nil for a task whose fields do not
/// use `${run.*}`.
struct RunStartContext: Sendable {
    var context: RunContext?
    /// ISO 8601 UTC: the intent's time, and the slot of a run that is not for one.
    var at: String

    /// The task as this run sends it.
    func resolve(_ task: DesiredTask) throws(RunFieldsError) -> DesiredTask {
        guard let context, task.runTime != nil else { return task }
        do {
            return try task.forRun(context)
        } catch {
            throw RunFieldsError(description: "\(task.address): \(error.description)")
        }
    }
}

/// A field that uses `${run.*}` failed to evaluate for a run: that action fails, the others go on.
struct RunFieldsError: Error, CustomStringConvertible {
    var description: String
}

extension RunStartContext {
    /// The start of the run an interrupted create or run was sending, rebuilt from its intent: its slot (or time)
    /// and attempt, and the runs `entry` held before it.
    init(recovering intent: UnresolvedIntent, of task: DesiredTask, entry: StateEntry?) {
        let context = task.runTime == nil ? nil
            : RunContextBuilder(task: task).context(slot: intent.slot, startedAt: intent.at, attempt: intent.attempt, entry: entry)
        self.init(context: context, at: intent.at)
    }

    /// `entry` recording what the run knew of itself.
    func recorded(_ entry: StateEntry) -> StateEntry {
        var entry = entry
        entry.runContext = context
        return entry
    }
}
