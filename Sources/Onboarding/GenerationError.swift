import Diagnostics

/// Why `generate` wrote nothing.
public struct GenerationError: UserFacingError {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}
