import Diagnostics

/// Why a plan cannot be made: a guard said no.
public struct PlanningError: UserFacingError, Hashable, CustomStringConvertible {
    /// One refusal, and where in the manifests it is about when it is about one place.
    public struct Problem: Hashable, Sendable {
        public var location: SourceLocation?
        public var message: String

        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    /// One for each guard that refused, in the order the plan met them.
    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }

    public init(messages: [String]) {
        self.problems = messages.map { Problem($0) }
    }

    public var messages: [String] { problems.map(\.message) }
    public var message: String { messages.joined(separator: "\n") }
    public var description: String { message }

    /// As diagnostics: `file:line:col: error: ...` where a problem has a place in the manifests.
    public var diagnostics: [Diagnostic] { problems.map { .error($0.location, $0.message) } }
}
