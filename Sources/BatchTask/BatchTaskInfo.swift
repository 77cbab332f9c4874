import JSON

/// One batch task as the API sends and receives it; every property optional (absent = not sent / not known).
public struct BatchTaskInfo: Hashable, Sendable {
    public var id: Int32?
    public var name: String?
    public var associateId: Int32?
    public var detailsTable: Int32?
    public var detailsRecord: Int32?
    public var isSystemTask: Bool?
    public var isInternalTask: Bool?
    /// Always a JSON object when set through `set(_:_:)` or `init(json:)`.
    public var parameterObject: JSONValue?
    /// Date-times are kept verbatim as the server or manifest wrote them, so no fraction digit or offset is lost.
    public var lastStarted: String?
    public var created: String?
    public var startCount: Int32?
    public var databaseSerialNumber: String?
    public var context: String?
    public var result: String?
    public var state: BatchTaskState?
    public var description: String?
    public var response: String?
    public var request: String?
    public var progressDescription: String?
    public var progressPercent: Int32?
    public var fileName: String?
    public var cancellationBehaviour: String?

    public init() {}

    /// From an API object: unknown properties (TableRight, FieldProperties, anything) are ignored and null means
    /// absent; a known property with the wrong type throws an error naming it.
    public init(json: JSONValue) throws(FieldError) {
        guard case .object(let members) = json else {
            throw FieldError(field: "", message: "expected a BatchTaskInfo object, got \(json.typeName)")
        }
        for (key, value) in members {
            guard let field = BatchTaskField(rawValue: key) else { continue }
            try set(field, value)
        }
    }

    /// The property's value as JSON (int32 as `.int`, State and dates as `.string`); nil when absent.
    public subscript(field: BatchTaskField) -> JSONValue? {
        switch field {
        case .id: return id.map { .int(Int64($0)) }
        case .name: return name.map(JSONValue.string)
        case .associateId: return associateId.map { .int(Int64($0)) }
        case .detailsTable: return detailsTable.map { .int(Int64($0)) }
        case .detailsRecord: return detailsRecord.map { .int(Int64($0)) }
        case .isSystemTask: return isSystemTask.map(JSONValue.bool)
        case .isInternalTask: return isInternalTask.map(JSONValue.bool)
        case .parameterObject: return parameterObject
        case .lastStarted: return lastStarted.map(JSONValue.string)
        case .created: return created.map(JSONValue.string)
        case .startCount: return startCount.map { .int(Int64($0)) }
        case .databaseSerialNumber: return databaseSerialNumber.map(JSONValue.string)
        case .context: return context.map(JSONValue.string)
        case .result: return result.map(JSONValue.string)
        case .state: return state.map { .string($0.rawValue) }
        case .description: return description.map(JSONValue.string)
        case .response: return response.map(JSONValue.string)
        case .request: return request.map(JSONValue.string)
        case .progressDescription: return progressDescription.map(JSONValue.string)
        case .progressPercent: return progressPercent.map { .int(Int64($0)) }
        case .fileName: return fileName.map(JSONValue.string)
        case .cancellationBehaviour: return cancellationBehaviour.map(JSONValue.string)
        }
    }

    /// Sets a property from JSON, checking its type; nil or `.null` clears it. Int32 properties also take integral
    /// doubles (`5.0`). State takes any string: whether the name is known is checked where manifests are validated.
    public mutating func set(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) {
        let value = value.flatMap { $0.isNull ? nil : $0 }
        switch field {
        case .id: id = try Self.int32(field, value)
        case .name: name = try Self.string(field, value)
        case .associateId: associateId = try Self.int32(field, value)
        case .detailsTable: detailsTable = try Self.int32(field, value)
        case .detailsRecord: detailsRecord = try Self.int32(field, value)
        case .isSystemTask: isSystemTask = try Self.bool(field, value)
        case .isInternalTask: isInternalTask = try Self.bool(field, value)
        case .parameterObject: parameterObject = try Self.object(field, value)
        case .lastStarted: lastStarted = try Self.dateTime(field, value)
        case .created: created = try Self.dateTime(field, value)
        case .startCount: startCount = try Self.int32(field, value)
        case .databaseSerialNumber: databaseSerialNumber = try Self.string(field, value)
        case .context: context = try Self.string(field, value)
        case .result: result = try Self.string(field, value)
        case .state: state = try Self.string(field, value).map(BatchTaskState.init(rawValue:))
        case .description: description = try Self.string(field, value)
        case .response: response = try Self.string(field, value)
        case .request: request = try Self.string(field, value)
        case .progressDescription: progressDescription = try Self.string(field, value)
        case .progressPercent: progressPercent = try Self.int32(field, value)
        case .fileName: fileName = try Self.string(field, value)
        case .cancellationBehaviour: cancellationBehaviour = try Self.string(field, value)
        }
    }

    /// Whether the property has a value, without building its JSON.
    public func has(_ field: BatchTaskField) -> Bool {
        switch field {
        case .id: return id != nil
        case .name: return name != nil
        case .associateId: return associateId != nil
        case .detailsTable: return detailsTable != nil
        case .detailsRecord: return detailsRecord != nil
        case .isSystemTask: return isSystemTask != nil
        case .isInternalTask: return isInternalTask != nil
        case .parameterObject: return parameterObject != nil
        case .lastStarted: return lastStarted != nil
        case .created: return created != nil
        case .startCount: return startCount != nil
        case .databaseSerialNumber: return databaseSerialNumber != nil
        case .context: return context != nil
        case .result: return result != nil
        case .state: return state != nil
        case .description: return description != nil
        case .response: return response != nil
        case .request: return request != nil
        case .progressDescription: return progressDescription != nil
        case .progressPercent: return progressPercent != nil
        case .fileName: return fileName != nil
        case .cancellationBehaviour: return cancellationBehaviour != nil
        }
    }

    /// The properties that have a value, in API order.
    public var presentFields: [BatchTaskField] {
        BatchTaskField.apiOrder.filter(has)
    }

    /// An object in API property order (or sorted by name, the order a sorting writer needs) with absent
    /// properties left out.
    public func json(omitting: Set<BatchTaskField> = [], sortedByName: Bool = false) -> JSONValue {
        var members = JSONValue.Object(minimumCapacity: BatchTaskField.apiOrder.count)
        for field in sortedByName ? BatchTaskField.sortedByName : BatchTaskField.apiOrder
        where omitting.isEmpty || !omitting.contains(field) {
            if let value = self[field] { members[field.rawValue] = value }
        }
        return .object(members)
    }

    /// Writes the same object as `json(omitting:)` straight into a writer, for outputs of 100,000 tasks; with a
    /// `sortedKeys` writer the properties come sorted by name, as `json().serialized(sortedKeys: true)` would.
    public func write(to writer: inout JSONWriter, omitting: Set<BatchTaskField> = []) {
        writer.beginObject()
        for (field, key) in writer.sortedKeys ? BatchTaskField.sortedByNameQuoted : BatchTaskField.apiOrderQuoted {
            guard omitting.isEmpty || !omitting.contains(field) else { continue }
            // Straight from the stored properties: going through `self[field]` would box every value first.
            switch field {
            case .id: write(id, key, to: &writer)
            case .name: write(name, key, to: &writer)
            case .associateId: write(associateId, key, to: &writer)
            case .detailsTable: write(detailsTable, key, to: &writer)
            case .detailsRecord: write(detailsRecord, key, to: &writer)
            case .isSystemTask: write(isSystemTask, key, to: &writer)
            case .isInternalTask: write(isInternalTask, key, to: &writer)
            case .parameterObject:
                if let parameterObject {
                    writer.writeKey(quoted: key)
                    writer.write(parameterObject)
                }
            case .lastStarted: write(lastStarted, key, to: &writer)
            case .created: write(created, key, to: &writer)
            case .startCount: write(startCount, key, to: &writer)
            case .databaseSerialNumber: write(databaseSerialNumber, key, to: &writer)
            case .context: write(context, key, to: &writer)
            case .result: write(result, key, to: &writer)
            case .state: write(state?.rawValue, key, to: &writer)
            case .description: write(description, key, to: &writer)
            case .response: write(response, key, to: &writer)
            case .request: write(request, key, to: &writer)
            case .progressDescription: write(progressDescription, key, to: &writer)
            case .progressPercent: write(progressPercent, key, to: &writer)
            case .fileName: write(fileName, key, to: &writer)
            case .cancellationBehaviour: write(cancellationBehaviour, key, to: &writer)
            }
        }
        writer.endObject()
    }

    private func write(_ value: String?, _ key: [UInt8], to writer: inout JSONWriter) {
        guard let value else { return }
        writer.writeKey(quoted: key)
        writer.writeString(value)
    }

    private func write(_ value: Int32?, _ key: [UInt8], to writer: inout JSONWriter) {
        guard let value else { return }
        writer.writeKey(quoted: key)
        writer.writeInt(Int64(value))
    }

    private func write(_ value: Bool?, _ key: [UInt8], to writer: inout JSONWriter) {
        guard let value else { return }
        writer.writeKey(quoted: key)
        writer.writeBool(value)
    }

    // MARK: Type checks

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .int, .double, .bool: return value.serialized()
        case .string(let s): return "the string " + JSONValue.string(s.count > 60 ? String(s.prefix(60)) + "…" : s).serialized()
        default: return value.typeName
        }
    }

    private static func int32(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) -> Int32? {
        guard let value else { return nil }
        let n: Int64?
        switch value {
        case .int(let i): n = i
        // Integral doubles only; checked by converting back, as Int64(exactly:) would need libm's trunc.
        case .double(let d) where d > -9.0e18 && d < 9.0e18 && Double(Int64(d)) == d: n = Int64(d)
        default: n = nil
        }
        guard let n, let small = Int32(exactly: n) else {
            throw FieldError(field: field.rawValue, message: "expected an integer between \(Int32.min) and \(Int32.max), got \(describe(value))")
        }
        return small
    }

    private static func bool(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) -> Bool? {
        guard let value else { return nil }
        guard case .bool(let b) = value else {
            throw FieldError(field: field.rawValue, message: "expected true or false, got \(describe(value))")
        }
        return b
    }

    private static func string(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) -> String? {
        guard let value else { return nil }
        guard case .string(let s) = value else {
            throw FieldError(field: field.rawValue, message: "expected a string, got \(describe(value))")
        }
        return s
    }

    private static func object(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) -> JSONValue? {
        guard let value else { return nil }
        guard case .object = value else {
            throw FieldError(field: field.rawValue, message: "expected a JSON object, got \(describe(value))")
        }
        return value
    }

    private static func dateTime(_ field: BatchTaskField, _ value: JSONValue?) throws(FieldError) -> String? {
        guard let value else { return nil }
        // Any form a server writes (api.md v3): with an offset or without one; a manifest's own dates need an offset,
        // which the manifest's field typing checks.
        guard case .string(let s) = value, DotNetDate.isWellFormed(s) else {
            throw FieldError(
                field: field.rawValue,
                message: "expected a date-time such as 2018-06-01T14:34:02.7132229+02:00, got \(describe(value))")
        }
        return s
    }
}
