import Synchronization

/// A tenant's functional state, named and numbered as the reference's tenant status page lists them.
public enum TenantState: String, Sendable, CaseIterable {
    case unknown = "Unknown"
    case provisioning = "Provisioning"
    case running = "Running"
    case deleted = "Deleted"
    case suspended = "Suspended"
    case onlineMaintenance = "OnlineMaintenance"
    case offlineMaintenance = "OfflineMaintenance"
    case provisioningFailed = "ProvisioningFailed"
    case deleting = "Deleting"
    case deleteFailed = "DeleteFailed"
    case migrationPending = "MigrationPending"

    /// The reference: only Running and OnlineMaintenance have the API available.
    public var isRunning: Bool { self == .running || self == .onlineMaintenance }

    /// The name in any case, as the API's enums bind.
    init?(name: String) {
        guard let state = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = state
    }
}

/// The emulated tenant's current state and where its API is, switched at run time by the control path.
final class TenantStatus: Sendable {
    private let state: Mutex<TenantState>
    private let movedTo = Mutex<String?>(nil)

    init(_ initial: TenantState = .running) {
        state = Mutex(initial)
    }

    var current: TenantState {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    /// Our choice for playing a tenant that moved to another API host: its API is then served under
    /// `/<host>/<ctx>/api`, and `/<ctx>/api` answers 421. nil: under `/<ctx>/api`.
    var host: String? {
        get { movedTo.withLock { $0 } }
        set { movedTo.withLock { $0 = newValue } }
    }

    /// The path the tenant's API root is served under: `/<ctx>` or `/<host>/<ctx>`.
    func rootPath(_ contextIdentifier: String) -> String {
        (host.map { "/" + $0 } ?? "") + "/" + contextIdentifier
    }
}
