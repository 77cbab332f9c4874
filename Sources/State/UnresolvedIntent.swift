/// An intent with no outcome in the journal: its request may or may not have reached the server.
public struct UnresolvedIntent: Sendable, Hashable {
    public var sequence: Int
    public var action: JournalAction
    public var address: String
    public var id: Int32?
    public var fingerprint: String?
    /// When the intent was written: a task the server made for it was created after this.
    public var at: String
    /// For a run: the slot it was started for, and which attempt of it.
    public var slot: String?
    public var attempt = 1

    public init(sequence: Int, action: JournalAction, address: String, id: Int32?, fingerprint: String?, at: String) {
        self.sequence = sequence
        self.action = action
        self.address = address
        self.id = id
        self.fingerprint = fingerprint
        self.at = at
    }
}
