import Manifest
import Reconcile
import State

/// `batchctl state migrate`: a state copied to another location, lineage, serial, entries and key alike, under the
/// source's lock, and read back before the copy counts.
public enum StateMigration {
    /// The workspaces a migration copies: the project's own, or with `allEnvironments` the default one and every
    /// environment's.
    public static func workspaces(of project: Project, allEnvironments: Bool) -> [String] {
        allEnvironments ? [StateLocation.defaultWorkspace] + project.environments.map(\.name) : [StateSettings.workspace(of: project)]
    }

    /// Copies under the source's lock and reads the copy back; nil when the source holds no state.
    public static func copy(from source: any StateBackend, to target: any StateBackend, lockTimeout: Duration,
                            reporter: (any SessionReporter)?) async throws -> Int? {
        try await ProjectSession.edit("state migrate", backend: source, lockTimeout: lockTimeout, reporter: reporter) { session in
            guard session.existed else { return nil }
            let state = session.state
            // The key of the secret hashes goes first: a state without its key is refused where it is read.
            if let key = try await source.secretKey(create: false) { try await target.copyInSecretKey(key) }
            try await target.copyIn(state)
            guard let copy = try await target.load(), copy.lineage == state.lineage, copy.serial == state.serial,
                  copy.endpoint == state.endpoint, copy.tasks == state.tasks
            else {
                throw SessionError("the copy in \(target.description) does not read back as the state it was made from; keep using \(source.description)")
            }
            return state.tasks.count
        }
    }
}
