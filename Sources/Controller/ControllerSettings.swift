import Reconcile

/// What the controller does each cycle, as its flags say.
public struct ControllerSettings: Sendable {
    public var interval: Duration = .seconds(60)
    public var jitter = 0.1
    /// Plan and report, never apply.
    public var detectOnly = false
    /// Plan drifted tasks back to what the manifests say.
    public var selfHeal = false
    /// Delete what left the manifests (the mass-delete guard still holds).
    public var prune = false
    public var allowMassDelete = false
    /// `git pull --ff-only` in the manifests' repository before each cycle.
    public var gitPull = false
    /// Read the live tasks each cycle (drift, health); without, only what the manifests changed is planned.
    public var refresh = true
    /// How the refresh reads the managed tasks: by id, from the list of user tasks, or as their number decides.
    public var refreshRead = RefreshRead.auto
    public var parallelism = 10
    /// How long a cycle waits for the state's lock (a person's apply may hold it).
    public var lockTimeout: Duration = .seconds(10)
    /// The endpoint as the state is bound to it.
    public var endpoint: String
    public var workspace: String

    public init(endpoint: String, workspace: String) {
        self.endpoint = endpoint
        self.workspace = workspace
    }
}
