import Planning

/// How `generate` writes a set: its name, whether to fold tasks into a matrix, whether to keep Created.
public struct GenerationOptions: Sendable {
    /// The set's `metadata.name`.
    public var name: String
    /// `--matrix`: one task entry over a matrix where the tasks differ only in a value their Names show.
    public var matrix: Bool
    /// `--keep-created`: each task's Created, which the server otherwise sets when a task is made again.
    public var keepsCreated: Bool
    /// How the server's values compare, and the zone a date without an offset is read in.
    public var model: FieldModel

    public init(name: String, matrix: Bool = false, keepsCreated: Bool = false, model: FieldModel = .standard) {
        self.name = name
        self.matrix = matrix
        self.keepsCreated = keepsCreated
        self.model = model
    }
}
