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
