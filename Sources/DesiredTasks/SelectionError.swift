import Diagnostics

/// A malformed `--selector`.
public struct SelectionError: UserFacingError, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
