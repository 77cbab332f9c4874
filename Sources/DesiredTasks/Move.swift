import Diagnostics

/// A `moved` entry, resolved to addresses: carry the state entry at `from` to `to` without an API call.
public struct Move: Hashable, Sendable {
    public var from: String
    public var to: String
    public var location: SourceLocation

    public init(from: String, to: String, location: SourceLocation) {
        self.from = from
        self.to = to
        self.location = location
    }
}
