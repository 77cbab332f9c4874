import Diagnostics

/// Why a cycle failed, in words for the status, the log and notifications; never a secret.
public struct ControllerFailure: UserFacingError, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
