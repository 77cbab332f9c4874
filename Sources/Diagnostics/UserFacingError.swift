/// An error a user can act on: what went wrong, what to do about it, and the exit code a command ends with.
///
/// Every module's public error conforms, so a front end reports any of them the same way: the command line
/// prints `error: message` (and `hint: ...`), a controller logs and counts them.
public protocol UserFacingError: Error, Sendable {
    /// What went wrong, in words a user can act on; free of secrets. May span lines.
    var message: String { get }
    /// What to do about it, when the message does not already say.
    var hint: String? { get }
    /// The process exit code for a command that ends with this error.
    var exitCode: Int32 { get }
}

extension UserFacingError {
    public var hint: String? { nil }
    public var exitCode: Int32 { 1 }
}

extension Diagnostic: UserFacingError {
    public var hint: String? { nil }
}

extension DiagnosticList: UserFacingError {
    public var message: String { description }
}
