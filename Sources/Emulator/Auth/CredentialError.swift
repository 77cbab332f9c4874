import Diagnostics

/// A credential given in a form the emulator cannot use; the message never repeats the secret.
public struct CredentialError: UserFacingError, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
