import Diagnostics

/// A configuration that cannot be served, or a server that could not start.
public struct EmulatorError: UserFacingError, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
