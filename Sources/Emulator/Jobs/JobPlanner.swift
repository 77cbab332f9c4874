import BatchTask
import JSON

/// Decides the schedule and the outcome of a job when a task is created or set back to `New`.
struct JobPlanner: Sendable {
    let configuration: JobConfiguration
    /// Drawn once per job for `failRate`; its own stream, so fault injection does not shift which jobs fail.
    let random: RandomSource

    /// Sets the task up as a freshly queued job: `New`, no progress, no result, and a schedule starting at `now`.
    /// A task whose Name no configured job handles gets no schedule and stays `New` (api.md v3, "Jobs the server
    /// does not know").
    func start(_ task: inout StoredTask, now: Int64) {
        task.info.state = .new
        task.info.result = nil
        task.info.progressPercent = 0
        task.info.progressDescription = "Queued"
        guard configuration.runs(name: task.info.name) else {
            task.job = nil
            return
        }
        let job = schedule(for: task.info, now: now)
        task.job = job
        // A zero duration means "finished at once": the caller's view of the task must already show the end.
        JobLifecycle.advance(&task, to: now)
    }

    func schedule(for info: BatchTaskInfo, now: Int64) -> JobSchedule {
        let seconds = configuration.durationSeconds
        let total = Int64((seconds * Double(DotNetDate.ticksPerSecond)).rounded())
        // A tenth of the time in the queue: long enough for a client to see `New`, short enough not to matter.
        let queued = total / 10
        let start = now + queued
        let running = total - queued
        let duration = Self.describe(seconds: seconds)

        if let reason = Self.requestedFailure(info.parameterObject) ?? drawnFailure() {
            // A failing job gives up half way, as real ones tend to, rather than at 100%.
            return JobSchedule(
                phase: .queued, startTicks: start, endTicks: start + running / 2, outcome: .failed,
                result: "Failed: \(reason)", finalPercent: total == 0 ? 0 : 50)
        }
        return JobSchedule(
            phase: .queued, startTicks: start, endTicks: start + running, outcome: .succeeded,
            result: "Succeeded: the job ran for \(duration)", finalPercent: 100)
    }

    private func drawnFailure() -> String? {
        random.chance(configuration.failRate) ? "simulated failure (fail rate \(configuration.failRate))" : nil
    }

    /// The reason the ParameterObject's `fail` member gives, or nil when it does not ask for a failure.
    static func requestedFailure(_ parameters: JSONValue?) -> String? {
        let generic = "the ParameterObject asked the job to fail (\"\(JobConfiguration.failFlag)\": true)"
        switch parameters?[JobConfiguration.failFlag] {
        case .bool(true)?:
            return generic
        case .int(let n)? where n != 0:
            return generic
        case .string(let text)?:
            // XML and form bodies carry every value as text, so "true" there means the boolean.
            let trimmed = text.trimmingASCIIWhitespace()
            switch trimmed.lowercased() {
            case "", "false", "0": return nil
            case "true", "1": return generic
            default: return trimmed
            }
        default:
            return nil
        }
    }

    static func describe(seconds: Double) -> String {
        let rounded = (seconds * 1000).rounded() / 1000
        if rounded == rounded.rounded(.towardZero), abs(rounded) < 1e15 {
            return "\(Int64(rounded)) s"
        }
        return "\(rounded) s"
    }
}
