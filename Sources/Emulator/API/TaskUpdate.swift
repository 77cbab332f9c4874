import BatchTask
import JSON

/// What a PUT asks to change, reduced to the four properties that may change: State, Description,
/// Response and Request. Every other property in the body is ignored, as the API reference says.
struct TaskUpdate: Sendable {
    enum Operation: Sendable, Equatable {
        /// nil clears the property (never State).
        case set(BatchTaskField, String?)
        /// JSON Patch `test`: the property must currently have this value.
        case test(BatchTaskField, JSONValue?)
    }

    var operations: [Operation] = []

    static let updatable: [BatchTaskField] = [.state, .description, .response, .request]

    /// A whole BatchTaskInfo (JSON, XML or form), as PUT and the Agents' UpdateBatchTask bind it. api.md v3, PUT
    /// row, our reading: "the body binds to a whole BatchTaskInfo, so one of those four left out of the body takes
    /// its default: a missing Description, Response or Request becomes null and a missing State becomes `Unknown`".
    /// A null State is the enum's default too.
    static func replacing(with object: JSONValue) throws(APIError) -> TaskUpdate {
        let members = try members(of: object)
        var update = TaskUpdate()
        for field in updatable {
            var value = members[field.rawValue] ?? .null
            if field == .state, value.isNull { value = .string(BatchTaskState.unknown.rawValue) }
            update.operations.append(.set(field, try text(value, field)))
        }
        return update
    }

    /// RFC 7386 merge patch: present members set, null clears, absent ones stay.
    static func merging(_ object: JSONValue) throws(APIError) -> TaskUpdate {
        let members = try members(of: object)
        var update = TaskUpdate()
        for field in updatable {
            guard let value = members[field.rawValue] else { continue }
            if field == .state, value.isNull { throw .badRequest("State cannot be cleared") }
            update.operations.append(.set(field, try text(value, field)))
        }
        return update
    }

    /// RFC 6902 JSON Patch over the four properties: `add`/`replace` set, `remove` clears, `test` checks; paths
    /// name properties (`/State`); operations on other properties are ignored like other properties in a PUT.
    static func patching(_ document: JSONValue) throws(APIError) -> TaskUpdate {
        guard case .array(let items) = document else { throw .badRequest("a JSON Patch body must be an array of operations") }
        var update = TaskUpdate()
        for (index, item) in items.enumerated() {
            guard let op = item["op"]?.stringValue, let path = item["path"]?.stringValue else {
                throw .badRequest("JSON Patch operation \(index): needs \"op\" and \"path\" strings")
            }
            let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
            guard let field = BatchTaskField.named(caseInsensitive: name), updatable.contains(field) else { continue }
            switch op {
            case "add", "replace":
                guard let value = item["value"] else { throw .badRequest("JSON Patch operation \(index): \(op) needs a \"value\"") }
                if field == .state, value.isNull { throw .badRequest("State cannot be cleared") }
                update.operations.append(.set(field, try text(BatchTaskBinding.value(value, for: field), field)))
            case "remove":
                if field == .state { throw .badRequest("State cannot be removed") }
                update.operations.append(.set(field, nil))
            case "test":
                update.operations.append(.test(field, item["value"].flatMap { $0.isNull ? nil : $0 }))
            default:
                throw .badRequest("JSON Patch operation \(index): \(op) is not supported here (add, replace, remove, test are)")
            }
        }
        return update
    }

    /// Bound as a create binds it: names in any case, State by name in any case or by number.
    private static func members(of object: JSONValue) throws(APIError) -> JSONValue.Object {
        try BatchTaskBinding.canonicalMembers(object)
    }

    private static func text(_ value: JSONValue, _ field: BatchTaskField) throws(APIError) -> String? {
        switch value {
        case .null:
            return nil
        case .string(let text):
            return field == .state ? try BatchTaskBinding.state(value, allowingAll: false).rawValue : text
        default:
            throw .badRequest("\(field.rawValue): expected a string, got \(value.typeName)")
        }
    }

    /// Applies the operations to a task as it stands at `now`. A State set to `New` (from another state) queues the
    /// job again; set to anything else it ends the job there, by hand.
    func apply(to task: inout StoredTask, now: Int64, planner: JobPlanner) throws(APIError) {
        JobLifecycle.advance(&task, to: now)
        let before = task.info.state
        var stateWasSet = false
        for operation in operations {
            switch operation {
            case .set(let field, let value):
                switch field {
                case .state:
                    task.info.state = value.map(BatchTaskState.init(rawValue:))
                    stateWasSet = true
                case .description: task.info.description = value
                case .response: task.info.response = value
                case .request: task.info.request = value
                default: break
                }
            case .test(let field, let expected):
                guard task.info[field] == expected else {
                    throw APIError(
                        status: .conflict, type: "SoConflictException",
                        message: "JSON Patch test failed: \(field.rawValue) is \(task.info[field]?.serialized() ?? "absent")")
                }
            }
        }
        guard stateWasSet, let after = task.info.state, after != before else { return }
        if after == .new {
            planner.start(&task, now: now)
        } else {
            task.job = nil
        }
    }
}
