import Diagnostics

/// One of the project's `environments`: the var files, vars, endpoint and parallelism a run with `--env` takes,
/// and the name of its own state (its workspace).
public struct ProjectEnvironment: Sendable {
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
    /// Var files, weakest first; they beat the project's own `varFiles`.
    public var varFiles: [String] = []
    /// Values for vars, as a var file would give them; they beat every var file the project names.
    public var vars: [VarOverride] = []
    public var endpoint: String?
    public var endpointLocation: SourceLocation?
    public var parallelism: Int?

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}
