import BatchTask
import Hummingbird
import JSON

/// The seven Batch endpoints of api.md under `/api/v1/BatchTask`.
struct BatchTaskController: Sendable {
    let service: TaskService
    /// Rows in an OData page when the client gives no `$top`.
    let pageSize: Int
    /// What `odata.nextLink` and `odata.metadata` start with.
    let origin: ServerOrigin

    /// The routes; `RouteNormalizer` reads them too, to answer 405 with the methods a path does have.
    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "api/v1/BatchTask", create), Endpoint(.get, "api/v1/BatchTask", list),
            // api.md v3, "No PATCH": the reference lists no PATCH route, so `RouteNormalizer` answers one with 405 and
            // `Allow`, as a route table without it would.
            Endpoint(.get, "api/v1/BatchTask/:id", getByIDOrState), Endpoint(.put, "api/v1/BatchTask/:id", update),
            Endpoint(.delete, "api/v1/BatchTask/:id", delete), Endpoint(.post, "api/v1/BatchTask/:id/Stop", stop),
        ]
    }

    // MARK: Endpoints

    /// `POST /api/v1/BatchTask`: queues a new job and answers its id.
    @Sendable func create(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try renderer(for: request)
        let body = try await RequestBody.read(request)
        if body.format == .jsonPatch {
            throw APIError.unsupportedMediaType("application/json-patch+json applies to PUT, not to POST")
        }
        let info = try BatchTaskBinding.task(try Self.taskObject(body))
        return renderer.integer(try await service.create(info, in: renderer.timeZone))
    }

    /// `GET /api/v1/BatchTask/{id}` or `GET /api/v1/BatchTask/{state}`: digits are an id, a state name (any case)
    /// lists that state's user tasks, `All` every user task; anything else is 400. The reference: "an array of
    /// user BatchTaskInfo", so system tasks (`IsSystemTask: true`) are left out.
    @Sendable func getByIDOrState(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try renderer(for: request)
        let segment = context.parameters.get("id") ?? ""
        if let first = segment.unicodeScalars.first, ("0"..."9").contains(first) {
            let id = try Self.id(segment)
            guard let task = try await service.task(id: id) else { throw APIError.notFound(id: id) }
            return renderer.task(task.info, lastModified: task.lastModified)
        }
        guard let state = BatchTaskState.knownStates.first(where: { $0.rawValue.lowercased() == segment.lowercased() }) else {
            throw APIError.badRequest(
                "'\(segment.prefix(60))' is neither a task id nor a BatchTaskState (\(BatchTaskState.knownStates.map(\.rawValue).joined(separator: ", ")))")
        }
        return renderer.tasks(try await service.tasks(.user, state: state))
    }

    /// `GET /api/v1/BatchTask`: the OData list of the BatchTasks archive, as archive rows.
    @Sendable func list(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try renderer(for: request)
        let rawQuery = request.uri.query ?? ""
        let query = try ODataQuery.parse(try FormURLEncoding.decode(Substring(rawQuery)))
        let compiled = try query.compile(pageSize: pageSize, timeZone: renderer.timeZone)
        let now = service.clock.now()
        // Filters and orders on State run in SQL, so stored rows must first catch up with the clock.
        try await service.store.settle(now: now)
        let rows = try await service.store.tasks(matching: compiled)
        let page = rows.prefix(compiled.pageRows)
        let base = origin.url
        var nextLink: String?
        if rows.count > page.count, !page.isEmpty {
            nextLink = base + "/api/v1/BatchTask?" + Self.query(rawQuery, skip: compiled.offset + page.count)
        }
        return renderer.odata(
            metadata: base + "/api/v1/archive$metadata", nextLink: nextLink, tasks: page.map { service.view($0, at: now).info },
            columns: query.columns)
    }

    /// `PUT /api/v1/BatchTask/{Id}`: changes State, Description, Response, Request; answers the task. The body
    /// binds to a whole BatchTaskInfo (`TaskUpdate.replacing`). If-Unmodified-Since is checked against the task's
    /// last change (412).
    @Sendable func update(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try renderer(for: request)
        let id = try Self.id(context.parameters.get("id") ?? "")
        let body = try await RequestBody.read(request)
        let changes: TaskUpdate
        switch body.format {
        case .mergePatch: changes = try TaskUpdate.merging(try Self.taskObject(body))
        case .jsonPatch: changes = try TaskUpdate.patching(try Self.taskObject(body))
        case .json, .xml, .form: changes = try TaskUpdate.replacing(with: try Self.taskObject(body))
        }
        let updated = try await service.update(id: id, changes, unmodifiedSince: request.unmodifiedSince)
        return renderer.task(updated.info, lastModified: updated.lastModified)
    }

    /// `DELETE /api/v1/BatchTask/{id}`: 204, 404 for an unknown id, 412 when If-Unmodified-Since fails.
    @Sendable func delete(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let id = try Self.id(context.parameters.get("id") ?? "")
        try await service.delete(id: id, unmodifiedSince: request.unmodifiedSince)
        return Response(status: .noContent)
    }

    /// `POST /api/v1/BatchTask/{id}/Stop`: true when the job was stopped, false for a task that cannot be.
    @Sendable func stop(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try renderer(for: request)
        let id = try Self.id(context.parameters.get("id") ?? "")
        return renderer.boolean(try await service.stop(id: id))
    }

    // MARK: Helpers

    func renderer(for request: Request) throws(APIError) -> ResponseRenderer {
        ResponseRenderer(
            format: ContentNegotiation.responseFormat(accept: request.headers[.accept]), timeZone: try service.timeZone(of: request))
    }

    static func id(_ text: String) throws(APIError) -> Int32 {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .badRequest("'\(text.prefix(60))' is not a task id")
        }
        guard let id = Int32(text) else { throw .badRequest("task id \(text.prefix(60)) is out of the int32 range") }
        return id
    }

    /// A BatchTaskInfo body (or a JSON Patch document) as JSON, whatever its format.
    private static func taskObject(_ body: RequestBody) throws(APIError) -> JSONValue {
        try body.value(
            xml: { (bytes) throws(APIError) in try BatchTaskXMLDecoder.object(from: bytes) },
            form: { (pairs) throws(APIError) in try FormURLEncoding.batchTaskObject(pairs) })
    }

    /// The request's own query with `$skip` replaced, for `odata.nextLink`.
    private static func query(_ raw: String, skip: Int) -> String {
        let kept = raw.split(separator: "&").filter { item in
            let name = item.split(separator: "=", maxSplits: 1).first.map { (try? FormURLEncoding.unescape($0)) ?? String($0) } ?? ""
            return name.lowercased() != "$skip"
        }
        return (kept.map(String.init) + ["$skip=\(skip)"]).joined(separator: "&")
    }
}
