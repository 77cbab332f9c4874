import Diagnostics

/// A failure already explained to the user: printed as `error: ...`, exit code 1.
struct CommandFailure: UserFacingError, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
