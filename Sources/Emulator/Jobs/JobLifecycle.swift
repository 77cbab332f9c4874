import BatchTask

/// The job's state machine, driven by stored times rather than timers: a job started at T with duration D is done
/// when read at T+D, whether or not any process ran in between.
enum JobLifecycle {
    /// Moves the task to where its job stands at `now`: `New` → `Started` (LastStarted, StartCount + 1) → the
    /// planned outcome, with ProgressPercent rising linearly while it runs. Idempotent for a given `now`.
    static func advance(_ task: inout StoredTask, to now: Int64) {
        guard var job = task.job else { return }
        if job.phase == .queued {
            guard now >= job.startTicks else { return }
            task.info.state = .started
            task.info.lastStarted = EmulatorClock.text(ticks: job.startTicks)
            task.info.startCount = (task.info.startCount ?? 0) &+ 1
            task.info.progressPercent = 0
            task.info.progressDescription = "Running"
            task.lastModified = job.startTicks
            job.phase = .running
        }
        if now >= job.endTicks {
            task.info.state = job.outcome
            task.info.result = job.result
            task.info.progressPercent = job.finalPercent
            task.info.progressDescription = job.outcome == .succeeded ? "Completed" : "Failed"
            task.lastModified = job.endTicks
            task.job = nil
            return
        }
        let span = max(job.endTicks - job.startTicks, 1)
        let elapsed = max(now - job.startTicks, 0)
        // elapsed < span here, and finalPercent <= 100, so this never overflows and stays below finalPercent.
        let percent = Int32(Int64(job.finalPercent) * elapsed / span)
        task.info.progressPercent = percent
        task.info.progressDescription = "Running: \(percent)%"
        task.job = job
    }

    /// Stops a task whose job has not ended unless its CancellationBehaviour is `CannotCancel`: `CanCancel` and
    /// `CancelWithWarning` (the warning is the caller's to give) end `Failed` with a Result saying so. A task
    /// without one is the carrier's default, `CanCancel`. False (and the task unchanged) for any other task.
    static func stop(_ task: inout StoredTask, at now: Int64) -> Bool {
        advance(&task, to: now)
        // Text an older emulator stored unchecked, if not a known name, never stops a job that was not meant to stop.
        let behaviour = task.info.cancellationBehaviour.map { CancellationBehaviour(rawValue: $0) ?? .cannotCancel } ?? .canCancel
        guard behaviour != .cannotCancel, isUnfinished(task.info.state) else { return false }
        let percent = task.info.progressPercent ?? 0
        task.info.state = .failed
        task.info.result = "Stopped: stopped by request at \(EmulatorClock.text(ticks: now)), at \(percent)%"
        task.info.progressDescription = "Stopped"
        task.lastModified = now
        task.job = nil
        return true
    }

    /// States from which a job can still be stopped (a state a PUT set by hand counts too).
    static func isUnfinished(_ state: BatchTaskState?) -> Bool {
        state == .new || state == .aquired || state == .started
    }
}
