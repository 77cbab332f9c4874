/// A Basic user: `NAME:PASSWORD` (the password may itself contain colons; the name may not, as in RFC 7617).
public struct BasicCredential: Sendable, Hashable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// nil without a colon or with an empty name.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        self.init(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }
}
