import Foundation
import Manifest
import PostgresState
import State

/// What a front end was told about the state: where it is, and how long to wait for another run's lock.
public struct StateSettings: Sendable {
    /// `--state`: a file path or a `postgres://` URL; nil for `BATCHCTL_STATE`, else the project's.
    public var location: String?
    /// How long to wait for another run's lock (zero: fail at once).
    public var lockTimeout: Duration
    /// Where `BATCHCTL_STATE` and the PostgreSQL password are read.
    public var environment: [String: String]

    public init(location: String? = nil, lockTimeout: Duration = .zero,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.location = location
        self.lockTimeout = lockTimeout
        self.environment = environment
    }

    /// True when `--state` or `BATCHCTL_STATE` names a state, rather than the project's default standing in.
    public var isGiven: Bool {
        location != nil || !(environment["BATCHCTL_STATE"] ?? "").isEmpty
    }

    /// The state of the project's workspace: the location names the default workspace's file, and an environment's
    /// is beside it, named after the environment (`batchctl.state.prod.json`).
    public func backend(project: Project, workspace: String? = nil) throws -> any StateBackend {
        let given = location ?? environment["BATCHCTL_STATE"].flatMap { $0.isEmpty ? nil : $0 }
        return try Self.backend(at: given ?? project.state ?? "batchctl.state.json",
                                workspace: workspace ?? Self.workspace(of: project), environment: environment)
    }

    /// The workspace of the environment the project was chosen for, else the default one.
    public static func workspace(of project: Project) -> String {
        project.environment?.name ?? StateLocation.defaultWorkspace
    }

    /// A file path, or a `postgres://` URL (its password from the URL, `BATCHCTL_STATE_PASSWORD` or `PGPASSWORD`).
    public static func backend(at location: String, workspace: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any StateBackend {
        if PostgresLocation.matches(location) {
            let url = try PostgresLocation(location, environment: environment)
            return PostgresStateBackend(location: url, workspace: workspace)
        }
        return try StateLocation.backend(for: location, workspace: workspace)
    }
}
