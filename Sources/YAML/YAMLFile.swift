/// The documents of one loaded file, in order; an empty file has none.
public struct YAMLFile: Sendable {
    /// The path as shown in diagnostics.
    public var path: String
    public var documents: [Node]

    public init(path: String, documents: [Node]) {
        self.path = path
        self.documents = documents
    }
}
