import Diagnostics

/// What to read and how: the manifest-related flags and project settings.
public struct ManifestOptions: Sendable {
    /// Manifest files and directories.
    public var paths: [String]
    /// The var files the project file names, weakest first: its own `varFiles`, then the chosen environment's
    /// (with that environment's name).
    public var projectVarFiles: [(path: String, environment: String?)] = []
    /// The chosen environment's `vars`: stronger than every var file the project names, weaker than `varFiles`.
    public var projectVars: [VarOverride] = []
    /// The project file's `inputs`: declared for every set.
    public var projectInputs: [InputDeclaration] = []
    /// `--var-file` paths, weakest first.
    public var varFiles: [String] = []
    /// `--var name=value`, in the order given.
    public var vars: [(name: String, value: String)] = []
    /// The process environment: `env.NAME` in expressions and `BATCHCTL_VAR_*`.
    public var environment: [String: String] = [:]
    /// The directory that includes may not leave.
    public var root: String = "."
    public var allowIncludeOutside = false
    /// The most tasks one task entry may expand to.
    public var maxTasks = 1_000_000
    /// The most dependency edges all tasks' `dependsOn` may make together (a glob counts each task it matches).
    public var maxDependencyEdges = 1_000_000
    /// The project file, whose Project document is not a manifest.
    public var projectFile: String?
    /// Record where each field of this address came from.
    public var explain: String?
    /// Where the project file names each of `paths` (none for paths given with -f), for an error about one.
    public var manifestPathLocations: [String: SourceLocation] = [:]
    /// Where the project file names each of its var files.
    public var varFileLocations: [String: SourceLocation] = [:]

    public init(paths: [String]) {
        self.paths = paths
    }

    /// What the project file says: its manifests, and the var files and vars of the project and its environment.
    public init(project: Project) {
        self.init(paths: project.manifests)
        projectVarFiles = project.varFiles.map { ($0, nil) }
        if let environment = project.environment {
            projectVarFiles += environment.varFiles.map { ($0, environment.name) }
            projectVars = environment.vars
        }
        projectFile = project.file
        projectInputs = project.inputs
        for path in project.manifests { manifestPathLocations[path] = project.pathLocations[path] }
        for (path, _) in projectVarFiles { varFileLocations[path] = project.pathLocations[path] }
    }
}
