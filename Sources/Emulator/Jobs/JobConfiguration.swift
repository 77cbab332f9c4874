/// How the emulator runs the job behind every new task.
public struct JobConfiguration: Sendable, Hashable {
    /// Seconds from a task's creation to the end of its job; 0 finishes the job at once.
    public var durationSeconds: Double
    /// The share of jobs (0...1) that end `Failed` without being asked to.
    public var failRate: Double

    public init(durationSeconds: Double = 5, failRate: Double = 0) {
        self.durationSeconds = durationSeconds
        self.failRate = failRate
    }

    /// The ParameterObject member that fails a job on purpose: `"fail": true`, or a string that becomes the reason
    /// in Result (`"fail": "disk full"`). `false`, `"false"` and `""` do not fail it.
    public static let failFlag = "fail"
}
