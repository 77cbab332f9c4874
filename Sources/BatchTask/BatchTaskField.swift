/// A BatchTaskInfo property, spelled as the API spells it, with its value type and who may change it.
public enum BatchTaskField: String, CaseIterable, Sendable, Hashable {
    // In the order of the API reference; JSON output follows it.
    case id = "Id"
    case name = "Name"
    case associateId = "AssociateId"
    case detailsTable = "DetailsTable"
    case detailsRecord = "DetailsRecord"
    case isSystemTask = "IsSystemTask"
    case isInternalTask = "IsInternalTask"
    case parameterObject = "ParameterObject"
    case lastStarted = "LastStarted"
    case created = "Created"
    case startCount = "StartCount"
    case databaseSerialNumber = "DatabaseSerialNumber"
    case context = "Context"
    case result = "Result"
    case state = "State"
    case description = "Description"
    case response = "Response"
    case request = "Request"
    case progressDescription = "ProgressDescription"
    case progressPercent = "ProgressPercent"
    case fileName = "FileName"
    case cancellationBehaviour = "CancellationBehaviour"

    /// The JSON shape a property's value must have.
    public enum ValueType: Sendable, Hashable {
        case int32, bool, string, object, dateTime, state
    }

    /// Who owns a property's value, which decides how a difference is reconciled.
    public enum Role: Sendable, Hashable {
        /// Id: the server assigns it, a client never sends it.
        case serverAssigned
        /// State, Description, Response, Request: the only properties a PUT changes.
        case updatable
        /// Changed by the running job (LastStarted, StartCount, Result, ProgressDescription, ProgressPercent).
        case serverManaged
        /// Everything else: fixed at creation, so a change needs the task replaced.
        case configuration
    }

    public var valueType: ValueType {
        switch self {
        case .id, .associateId, .detailsTable, .detailsRecord, .startCount, .progressPercent: return .int32
        case .isSystemTask, .isInternalTask: return .bool
        case .parameterObject: return .object
        case .lastStarted, .created: return .dateTime
        case .state: return .state
        case .name, .databaseSerialNumber, .context, .result, .description, .response, .request,
             .progressDescription, .fileName, .cancellationBehaviour:
            return .string
        }
    }

    public var role: Role {
        switch self {
        case .id: return .serverAssigned
        case .state, .description, .response, .request: return .updatable
        case .lastStarted, .startCount, .result, .progressDescription, .progressPercent: return .serverManaged
        case .name, .associateId, .detailsTable, .detailsRecord, .isSystemTask, .isInternalTask, .parameterObject,
             .created, .databaseSerialNumber, .context, .fileName, .cancellationBehaviour:
            return .configuration
        }
    }

    /// What the property holds, in a line of api.md's table, for `batchctl schema`.
    public var summary: String {
        switch self {
        case .id: return "assigned by the server; a manifest cannot set it (the task's key is its identity in batchctl)"
        case .name: return "the task's name; a create whose answer was lost is looked up by it"
        case .associateId: return "the task owner; 0 for a system task"
        case .detailsTable: return "table holding more detail; set by the server beside a ParameterObject (it links the ParameterObject's blob there), so a task with a ParameterObject leaves it out"
        case .detailsRecord: return "row in DetailsTable; set by the server beside a ParameterObject, so a task with a ParameterObject leaves it out"
        case .isSystemTask: return "not started by an associate"
        case .isInternalTask: return "adds no trace to the database"
        case .parameterObject: return "the job's parameters, a string dictionary in the API: a number or boolean is sent as text, null stays null, a list or mapping must be made text with json(...)"
        case .lastStarted: return "server-managed while the job runs"
        case .created: return "creation time; the server sets it when absent"
        case .startCount: return "server-managed"
        case .databaseSerialNumber: return "database the task runs on"
        case .context: return "the task's context, as text"
        case .result: return "server-managed"
        case .state: return "a BatchTaskState"
        case .description: return "updatable in place"
        case .response: return "updatable in place"
        case .request: return "updatable in place"
        case .progressDescription: return "server-managed"
        case .progressPercent: return "server-managed, 0..100 in practice"
        case .fileName: return "the file the job reads or writes"
        case .cancellationBehaviour: return "what Stop may do: CanCancel, CancelWithWarning or CannotCancel (Stop stops only a task that is not CannotCancel)"
        }
    }

    /// The field with exactly this API name (`Name`, not `name`); suggestions for near misses belong to the caller.
    public static func named(_ name: String) -> BatchTaskField? {
        BatchTaskField(rawValue: name)
    }

    /// `allCases` stored once: the synthesized property builds a new array on every access.
    static let apiOrder: [BatchTaskField] = allCases

    /// The fields ordered by name (UTF-8 bytes), for writers asked to sort keys.
    static let sortedByName: [BatchTaskField] = allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }

    /// Both orders with each name as quoted JSON text, for writers of 100,000 tasks.
    static let apiOrderQuoted: [(field: BatchTaskField, key: [UInt8])] = apiOrder.map { ($0, quoted($0)) }
    static let sortedByNameQuoted: [(field: BatchTaskField, key: [UInt8])] = sortedByName.map { ($0, quoted($0)) }

    private static func quoted(_ field: BatchTaskField) -> [UInt8] {
        [UInt8(ascii: "\"")] + Array(field.rawValue.utf8) + [UInt8(ascii: "\"")]  // names are plain ASCII letters
    }
}

extension BatchTaskField {
    /// DetailsTable and DetailsRecord: where the server links a ParameterObject's blob (api.md v3, "What the server
    /// changes"), so a client never sets or compares them beside one.
    public var isLinkToParameterBlob: Bool { self == .detailsTable || self == .detailsRecord }
}
