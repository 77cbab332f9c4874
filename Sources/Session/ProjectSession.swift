import DesiredTasks
import Manifest
import Reconcile
import State

/// One front end's run on a project: the endpoint it talks to, the state bound to that endpoint, and how both are
/// opened. A command makes one from its flags, then opens the state through it and makes one call.
public struct ProjectSession: Sendable {
    /// Requests in flight at once when neither the flags nor the project say.
    public static let defaultParallelism = 10

    public let project: Project
    public let endpoint: Endpoint
    /// What the state is bound to: the endpoint as given, `embedded`, or an Online tenant.
    public let endpointName: String
    public let backend: any StateBackend
    public let lockTimeout: Duration
    public let parallelism: Int
    /// Hears the state session's notices, repeated sign-ins and interruptions.
    public let reporter: (any SessionReporter)?

    /// Resolves the endpoint (checked, nothing connected yet) and the project's state backend.
    public init(project: Project, endpoint: EndpointSettings, state: StateSettings, parallelism: Int? = nil,
                reporter: (any SessionReporter)?) throws {
        self.project = project
        self.endpoint = Endpoint(settings: endpoint, project: project)
        endpointName = try self.endpoint.name()
        backend = try state.backend(project: project)
        lockTimeout = state.lockTimeout
        self.parallelism = parallelism ?? project.parallelism ?? Self.defaultParallelism
        self.reporter = reporter
    }

    /// The state for a run that only reads (plan, drift, status): a shared read, no lock taken.
    public func read() async throws -> StateSession {
        try await StateSession.open(.read, backend: backend, endpoint: endpointName, observer: reporter)
    }

    /// Connects for `body`, and closes the connection whatever happens (`Endpoint.withConnection`).
    public func withConnection<T>(tenantWait: Duration? = nil, observeAttempts: (@Sendable (String, Int?) -> Void)? = nil,
                                  _ body: (Connection) async throws -> T) async throws -> T {
        try await endpoint.withConnection(parallelism: parallelism, tenantWait: tenantWait, reporter: reporter,
                                          observeAttempts: observeAttempts, body)
    }

    /// A run that sends requests: connects, takes the lock of `sets` (nil: every set; `LockScope` says which) with
    /// the signal guard installed, recovers what an interrupted run left, runs `body`, and lets go of the lock and the
    /// connection whatever happens. `desired` (by address) is what recovery compares the server's tasks with.
    public func write<T>(_ operation: String, sets: [String]? = nil, desired: [String: DesiredTask], tenantWait: Duration? = nil,
                         _ body: (inout StateSession, Connection) async throws -> T) async throws -> T {
        try await withConnection(tenantWait: tenantWait) { connection in
            await SignalGuard.install(reporter: reporter)
            var session = try await StateSession.open(.write(operation: operation, lockTimeout: lockTimeout, sets: sets),
                                                      backend: backend, endpoint: endpointName, client: connection.client,
                                                      desired: desired, observer: reporter)
            return try await session.whileOpen { session in try await body(&session, connection) }
        }
    }

    /// An edit of the state alone (`state rm`, `state mv`, `schedule suspend`) under the lock of `sets` (nil: every
    /// set), with the signal guard installed.
    public static func edit<T>(_ operation: String, backend: any StateBackend, lockTimeout: Duration, sets: [String]? = nil,
                               reporter: (any SessionReporter)?, _ change: (inout StateSession) async throws -> T) async throws -> T {
        await SignalGuard.install(reporter: reporter)
        var session = try await StateSession.open(.edit(operation: operation, lockTimeout: lockTimeout, sets: sets), backend: backend,
                                                  endpoint: "", observer: reporter)
        return try await session.whileOpen(change)
    }
}
