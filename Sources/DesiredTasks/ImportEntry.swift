import Diagnostics

/// An `import` entry, expanded: adopt the task the API already holds (by id, or by its exact Name) at `address`.
public struct ImportEntry: Hashable, Sendable {
    /// How the task to adopt is found.
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        case id(Int32)
        /// The exact Name; exactly one task may have it.
        case name(String)

        public var description: String {
            switch self {
            case .id(let id): return "id \(id)"
            case .name(let name): return "name \"\(name)\""
            }
        }
    }

    public var address: String
    public var source: Source
    public var location: SourceLocation

    public init(address: String, source: Source, location: SourceLocation) {
        self.address = address
        self.source = source
        self.location = location
    }
}
