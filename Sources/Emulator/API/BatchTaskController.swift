import BatchTask
import Hummingbird
import JSON

/// The seven Batch endpoints of api.md under `/api/v1/BatchTask`.
struct BatchTaskController: Sendable {
    let store: TaskStore
    let planner: JobPlanner
    let clock: EmulatorClock
    /// Rows in an OData page when the client gives no `$top`.
    let pageSize: Int

    func register(on router: Router<EmulatorRequestContext>) {
        let tasks = router.group("api/v1/BatchTask")
        tasks.post(use: create)
        tasks.get(use: list)
        tasks.get(":id", use: getByIDOrState)
        tasks.put(":id", use: update)
        // Not in the reference, but harmless and what a client with a merge patch reaches for first.
        tasks.patch(":id", use: update)
        tasks.delete(":id", use: delete)
        tasks.post(":id/Stop", use: stop)
    }

    // MARK: Endpoints

    /// `POST /api/v1/BatchTask`: queues a new job and answers its id. Id and the server-managed properties
    /// (State, LastStarted, StartCount, Result, ProgressPercent, ProgressDescription) in the body are ignored;
    /// Created is kept when given and set to now otherwise.
    @Sendable func create(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try Self.renderer(for: request)
        let (format, bytes) = try await Self.body(of: request)
        if format == .jsonPatch {
            throw APIError.unsupportedMediaType("application/json-patch+json applies to PUT, not to POST")
        }
        var info: BatchTaskInfo
        do {
            info = try BatchTaskInfo(json: try Self.object(format, bytes))
        } catch let error as FieldError {
            throw APIError.badRequest("request body: \(error)")
        }
        let now = clock.now()
        info.id = nil
        info.created = info.created ?? EmulatorClock.text(ticks: now)
        info.lastStarted = nil
        info.startCount = 0
        var task = StoredTask(info: info, job: nil)
        planner.start(&task, now: now)
        let id = try await store.insert(task)
        return renderer.integer(id)
    }

    /// `GET /api/v1/BatchTask/{id}` or `GET /api/v1/BatchTask/{state}`: digits are an id, a state name (any case)
    /// lists that state's tasks, `All` every task; anything else is 400.
    @Sendable func getByIDOrState(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try Self.renderer(for: request)
        let segment = context.parameters.get("id") ?? ""
        if let first = segment.unicodeScalars.first, ("0"..."9").contains(first) {
            let id = try Self.id(segment)
            guard let task = try await store.task(id: id) else { throw APIError.notFound(id: id) }
            return renderer.task(view(task, at: clock.now()))
        }
        guard let state = BatchTaskState.knownStates.first(where: { $0.rawValue.lowercased() == segment.lowercased() }) else {
            throw APIError.badRequest(
                "'\(segment.prefix(60))' is neither a task id nor a BatchTaskState (\(BatchTaskState.knownStates.map(\.rawValue).joined(separator: ", ")))")
        }
        let now = clock.now()
        try await store.settle(now: now)
        let rows = try await store.tasks(inState: state == .all ? nil : state)
        let tasks = rows.map { view($0, at: now) }
        return renderer.tasks(state == .all ? tasks : tasks.filter { $0.state == state })
    }

    /// `GET /api/v1/BatchTask`: the OData list.
    @Sendable func list(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try Self.renderer(for: request)
        let rawQuery = request.uri.query ?? ""
        let query = try ODataQuery.parse(try FormURLEncoding.decode(Substring(rawQuery)))
        let compiled = try query.compile(pageSize: pageSize)
        let now = clock.now()
        // Filters and orders on State run in SQL, so stored rows must first catch up with the clock.
        try await store.settle(now: now)
        let rows = try await store.tasks(matching: compiled)
        let page = rows.prefix(compiled.pageRows)
        let base = "http://\(request.head.authority ?? "127.0.0.1")"
        var nextLink: String?
        if rows.count > page.count, !page.isEmpty {
            nextLink = base + "/api/v1/BatchTask?" + Self.query(rawQuery, skip: compiled.offset + page.count)
        }
        return renderer.odata(
            metadata: base + "/api/v1/archive$metadata", nextLink: nextLink, tasks: page.map { view($0, at: now) },
            omitting: query.omitted)
    }

    /// `PUT /api/v1/BatchTask/{Id}` (and PATCH): changes State, Description, Response, Request; answers the task.
    @Sendable func update(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try Self.renderer(for: request)
        let id = try Self.id(context.parameters.get("id") ?? "")
        let (format, bytes) = try await Self.body(of: request)
        let changes: TaskUpdate
        switch format {
        case .mergePatch: changes = try TaskUpdate.merging(try Self.object(format, bytes))
        case .jsonPatch: changes = try TaskUpdate.patching(try Self.json(bytes))
        case .json, .xml, .form:
            changes = request.method == .patch
                ? try TaskUpdate.merging(try Self.object(format, bytes))
                : try TaskUpdate.replacing(with: try Self.object(format, bytes))
        }
        let now = clock.now()
        let planner = self.planner
        // An untyped closure: converting a `throws(APIError)` one crashes Swift 6.3's IRGen.
        let updated = try await store.update(id: id) { (task: inout StoredTask) throws -> Void in
            try changes.apply(to: &task, now: now, planner: planner)
        }
        guard let updated else { throw APIError.notFound(id: id) }
        return renderer.task(updated.task.info)
    }

    /// `DELETE /api/v1/BatchTask/{id}`: 204, or 404 for an unknown id.
    @Sendable func delete(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let id = try Self.id(context.parameters.get("id") ?? "")
        guard try await store.delete(id: id) else { throw APIError.notFound(id: id) }
        return Response(status: .noContent)
    }

    /// `POST /api/v1/BatchTask/{id}/Stop`: true when a `CanCancel` job was stopped, false for a task that cannot be.
    @Sendable func stop(_ request: Request, context: EmulatorRequestContext) async throws -> Response {
        let renderer = try Self.renderer(for: request)
        let id = try Self.id(context.parameters.get("id") ?? "")
        let now = clock.now()
        let outcome = try await store.update(id: id) { task in JobLifecycle.stop(&task, at: now) }
        guard let outcome else { throw APIError.notFound(id: id) }
        return renderer.boolean(outcome.result)
    }

    // MARK: Helpers

    private func view(_ task: StoredTask, at now: Int64) -> BatchTaskInfo {
        var task = task
        JobLifecycle.advance(&task, to: now)
        return task.info
    }

    private static func renderer(for request: Request) throws(APIError) -> ResponseRenderer {
        ResponseRenderer(
            format: ContentNegotiation.responseFormat(accept: request.headers[.accept]),
            timeZone: try ResponseTimeZone.parse(request.headers.value(named: "SO-TimeZone")))
    }

    static func id(_ text: String) throws(APIError) -> Int32 {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .badRequest("'\(text.prefix(60))' is not a task id")
        }
        guard let id = Int32(text) else { throw .badRequest("task id \(text.prefix(60)) is out of the int32 range") }
        return id
    }

    /// The body's format (415 before reading an unsupported one) and bytes (413 past 1 MiB).
    private static func body(of request: Request) async throws -> (RequestFormat, [UInt8]) {
        let format = try ContentNegotiation.requestFormat(contentType: request.headers[.contentType])
        let limit = EmulatorRequestContext.maximumBodySize
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.tooLarge(limit: limit)
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return (format, Array(buffer.readableBytesView))
    }

    private static func object(_ format: RequestFormat, _ bytes: [UInt8]) throws(APIError) -> JSONValue {
        switch format {
        case .json, .mergePatch, .jsonPatch:
            return try json(bytes)
        case .xml:
            try requireContent(bytes)
            return try BatchTaskXMLDecoder.object(from: bytes)
        case .form:
            return try FormURLEncoding.batchTaskObject(FormURLEncoding.decode(Substring(decoding: bytes, as: UTF8.self)))
        }
    }

    private static func json(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        try requireContent(bytes)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw .badRequest("request body is not valid JSON: \(error)")
        }
    }

    private static func requireContent(_ bytes: [UInt8]) throws(APIError) {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            throw .badRequest("request body is empty; expected a BatchTaskInfo")
        }
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
