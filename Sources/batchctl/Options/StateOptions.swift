import ArgumentParser
import Manifest
import Session
import State

/// Where the state lives, and how long to wait for another run's lock on it.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The state file (env BATCHCTL_STATE; default: the project's state, else batchctl.state.json); with --env, the environment's state beside it, batchctl.state.<env>.json.", valueName: "PATH"))
    var location: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's state lock (default 0: fail at once).", valueName: "SECONDS"))
    var lockTimeout: Double = 0

    func validate() throws {
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must not be negative") }
    }

    /// The flags as the session library takes them.
    var settings: StateSettings {
        StateSettings(location: location, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)))
    }

    /// True when `--state` or `BATCHCTL_STATE` names a state, rather than the project's default standing in.
    var isGiven: Bool { settings.isGiven }

    /// The state of the project's workspace (`StateSettings.backend(project:workspace:)`).
    func backend(project: Project, workspace: String? = nil) throws -> any StateBackend {
        try settings.backend(project: project, workspace: workspace)
    }
}
