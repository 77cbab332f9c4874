import BatchTask
import Hummingbird
import JSON

/// The fifteen methods of the Batch agent, `POST /api/v1/Agents/Batch/<Method>`: each body an object of named
/// arguments (JSON, XML or form), each answer as the REST endpoints give it, `?$select=` nulling the other
/// properties of a BatchTaskInfo answer.
struct BatchAgentController: Sendable {
    let service: TaskService

    /// A method's work: the arguments in, the answer out.
    private typealias Method = @Sendable (TaskService, AgentArguments, RequestTimeZone) async throws -> Answer

    private enum Answer {
        case task(StoredTask)
        case tasks([BatchTaskInfo])
        case integer(Int32)
        case boolean(Bool)
        case noContent
    }

    /// Which tasks each lookup returns follows the reference's wording: "user BatchTaskInfo" (ByState,
    /// ByNameAndState), "system and user" (GetAll...), "system" (GetSystem...); the associate lookups say neither,
    /// so they return every task of those owners.
    private static let methods: [String: Method] = [
        "GetBatchTaskInfo": { service, arguments, _ in
            let id = try arguments.int32("Id")
            guard let task = try await service.task(id: id) else { throw APIError.notFound(id: id) }
            return .task(task)
        },
        "StartBatchJob": { service, arguments, zone in
            .integer(try await service.create(try BatchTaskBinding.task(try arguments.task("BatchTaskInfo")), in: zone))
        },
        "StopBatchJob": { service, arguments, _ in
            .boolean(try await service.stop(id: try arguments.int32("Id")))
        },
        "UpdateBatchTask": { service, arguments, _ in
            let object = try arguments.task("BatchTaskInfo")
            let members = try BatchTaskBinding.canonicalMembers(object)
            guard let id = members[BatchTaskField.id.rawValue]?.intValue.flatMap({ Int32(exactly: $0) }) else {
                throw APIError.badRequest("UpdateBatchTask: BatchTaskInfo.Id names the task to update and is missing")
            }
            return .task(try await service.update(id: id, try TaskUpdate.replacing(with: object)))
        },
        "DeleteBatchTask": { service, arguments, _ in
            try await service.delete(id: try arguments.int32("BatchTaskId"))
            return .noContent
        },
        "DeleteBatchTasks": { service, arguments, _ in
            // Our choice: ids that do not exist are skipped, as deleting many is not a lookup.
            _ = try await service.store.delete(ids: try arguments.int32List("BatchTaskIds"))
            return .noContent
        },
        "GetBatchTaskInfosByState": { service, arguments, _ in
            .tasks(try await service.tasks(.user, state: try arguments.state("State")))
        },
        "GetBatchTaskInfosByAssociates": { service, arguments, _ in
            .tasks(try await service.tasks(.all, associates: try arguments.int32List("AssociateIds")))
        },
        "GetBatchTaskInfosByAssociatesAndState": { service, arguments, _ in
            .tasks(try await service.tasks(.all, state: try arguments.state("State"), associates: try arguments.int32List("AssociateIds")))
        },
        "GetBatchTaskInfosByNameAndState": { service, arguments, _ in
            .tasks(try await service.tasks(.user, name: try arguments.string("Name"), state: try arguments.state("State")))
        },
        "GetBatchTaskInfosByNameAndAssociates": { service, arguments, _ in
            .tasks(try await service.tasks(.all, name: try arguments.string("Name"), associates: try arguments.int32List("AssociateIds")))
        },
        "GetAllBatchTaskInfosByName": { service, arguments, _ in
            .tasks(try await service.tasks(.all, name: try arguments.string("TaskName")))
        },
        "GetAllBatchTaskInfosByNameAndState": { service, arguments, _ in
            .tasks(try await service.tasks(.all, name: try arguments.string("TaskName"), state: try arguments.state("State")))
        },
        "GetSystemBatchTaskInfosByName": { service, arguments, _ in
            .tasks(try await service.tasks(.system, name: try arguments.string("TaskName")))
        },
        "GetSystemBatchTaskInfosByNameAndState": { service, arguments, _ in
            .tasks(try await service.tasks(.system, name: try arguments.string("TaskName"), state: try arguments.state("State")))
        },
    ]

    /// Method names match in any case, like every other route.
    private static let methodsByLowercasedName = Dictionary(uniqueKeysWithValues: methods.map { ($0.key.lowercased(), $0.value) })

    var endpoints: [Endpoint] {
        [Endpoint(.post, "api/v1/Agents/Batch/:method", call)]
    }

    @Sendable func call(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let name = context.parameters.get("method") ?? ""
        guard let method = Self.methodsByLowercasedName[name.lowercased()] else {
            throw APIError(status: .notFound, type: "SoNotFoundException", message: "the Batch agent has no method \(name.prefix(60))")
        }
        let renderer = ResponseRenderer(
            format: ContentNegotiation.responseFormat(accept: request.headers[.accept]), timeZone: try service.timeZone(of: request))
        let nulling = try Self.nulling(request)
        let body = try await RequestBody.read(request)
        if body.format == .jsonPatch || body.format == .mergePatch {
            throw APIError.unsupportedMediaType("an Agents call takes its arguments as JSON, XML or a form, not a patch")
        }
        let arguments = try AgentArguments(
            try body.value(
                xml: { (bytes) throws(APIError) in try BatchTaskXMLDecoder.arguments(from: bytes) },
                form: { (pairs) throws(APIError) in try FormURLEncoding.agentArguments(pairs) }))
        switch try await method(service, arguments, renderer.timeZone) {
        case .task(let task): return renderer.task(task.info, nulling: nulling, lastModified: task.lastModified)
        case .tasks(let tasks): return renderer.tasks(tasks, nulling: nulling)
        case .integer(let id): return renderer.integer(id)
        case .boolean(let flag): return renderer.boolean(flag)
        case .noContent: return renderer.noContent()
        }
    }

    /// `?$select=Name,State`: the properties to null, every one not named. Names the carrier does not have
    /// (the reference's own example asks for `department`) select nothing and are not an error.
    private static func nulling(_ request: Request) throws(APIError) -> Set<BatchTaskField> {
        let pairs = try FormURLEncoding.decode(Substring(request.uri.query ?? ""))
        guard let select = pairs.last(where: { $0.name.lowercased() == "$select" })?.value else { return [] }
        let names = select.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return [] }
        let selected = Set(names.compactMap(BatchTaskField.named(caseInsensitive:)))
        return Set(BatchTaskField.allCases).subtracting(selected)
    }
}
