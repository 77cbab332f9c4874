/// Why a text is not a cron expression, and where: "minute 61 is out of range 0-59" at the `6`.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what to write instead, e.g. "minute 61 is out of range 0-59".
    public var message: String
    /// 0-based offset, in Swift Characters, into the text exactly as given (before trimming), where the problem
    /// starts, so the caller can point at file:line:col of the bad field.
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}
