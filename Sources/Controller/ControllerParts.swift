import APIClient
import DesiredTasks
import Foundation
import Logging
import State

/// What the controller works with: the manifests (read afresh each cycle), the API, the state and the lease.
public struct ControllerParts: Sendable {
    /// Reads and expands the manifests; throws a `ControllerFailure` naming every error (`file:line:col`).
    public var expand: @Sendable () async throws -> ExpansionResult
    /// The time schedules are read at.
    public var now: @Sendable () throws -> Date
    public var client: BatchTaskClient
    public var backend: any StateBackend
    public var lease: any LeaderLease
    /// The folder `git pull` runs in.
    public var directory: String
    public var logger: Logger

    public init(expand: @escaping @Sendable () async throws -> ExpansionResult, now: @escaping @Sendable () throws -> Date,
                client: BatchTaskClient, backend: any StateBackend, lease: any LeaderLease, directory: String, logger: Logger) {
        self.expand = expand
        self.now = now
        self.client = client
        self.backend = backend
        self.lease = lease
        self.directory = directory
        self.logger = logger
    }
}
