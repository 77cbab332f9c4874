/// A credential given in a form the emulator cannot use; the message never repeats the secret.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
