import Diagnostics

/// Why a plan cannot be made: a guard said no.
public struct PlanningError: UserFacingError, Hashable, CustomStringConvertible {
    /// One line for each guard that refused, in the order the plan met them.
    public var messages: [String]

    public init(messages: [String]) {
        self.messages = messages
    }

    public var message: String { messages.joined(separator: "\n") }
    public var description: String { message }
}
