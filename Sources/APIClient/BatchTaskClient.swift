import BatchTask
import JSON
import NIOCore
import NIOHTTP1
import Schedule
import SystemUserLogin

/// The BatchTask Web API (api.md) over one pool of HTTP connections, shared by every concurrent caller. Call
/// `shutdown()` when done, which closes the connections.
public final class BatchTaskClient: Sendable {
    private let http: HTTPTransport
    /// A configuration mistake is kept and thrown by every call, so `init` can stay non-throwing.
    private let sender: Result<RequestSender, ClientError>
    private let decoder: ResponseDecoder
    /// The `SO-TimeZone` every request sends: a date the server writes without an offset is wall time in its zone.
    public let timeZone: TimeZoneHeader

    /// The properties a PUT changes; everything else stays out of its body.
    private static let updatable = BatchTaskField.allCases.filter { $0.role == .updatable }

    public init(configuration: ClientConfiguration) {
        let perAttempt = configuration.timeout > .zero ? configuration.timeout : .seconds(30)
        // Connection failures come straight back to our retry loop, which has jitter and a cap: a server that is
        // down fails in seconds, and the error (refused, unreachable) says why, and tells the loop nothing was sent.
        // A redirect is reported (with its target), never followed: following it would resend a create and could
        // carry the credentials to another host.
        let http = HTTPTransport(settings: HTTPTransport.Settings(
            maximumConnections: max(1, configuration.concurrency),
            connectTimeout: RequestSender.timeAmount(min(perAttempt, .seconds(10)))))
        self.http = http
        decoder = ResponseDecoder(logger: configuration.logger)
        timeZone = configuration.timeZone
        do throws(ClientError) {
            try configuration.validate()
            let endpoint = try Endpoint(configuration.baseURL)
            sender = .success(RequestSender(http: http, endpoint: endpoint, configuration: configuration))
        } catch {
            sender = .failure(error)
        }
    }

    /// Refuses an endpoint the client could not use (not http(s), no host, a port outside 1 to 65535, credentials, a
    /// query or a fragment), with a message that calls it `name` and does not repeat it.
    public static func validate(endpoint: String, named name: String = "the endpoint") throws(ClientError) {
        _ = try Endpoint(endpoint, named: name)
    }

    /// The idle connections the pool still holds open, as far as this side has read (see
    /// `HTTPTransport.openIdleConnections()`).
    func openIdleConnections() -> Int { http.openIdleConnections() }

    /// Closes the connections. Calls made afterwards fail with `.configuration`.
    public func shutdown() async {
        await http.shutdown()
    }

    // MARK: Tasks

    /// `POST /BatchTask`: starts a job and returns the new task's id. The body is `info` without Id.
    ///
    /// Throws `.outcomeUnknown` when the request may have been processed but no id came back: the connection
    /// closed or timed out after sending, a 5xx, or a 2xx without a readable id. It is never re-sent blindly.
    public func create(_ info: BatchTaskInfo) async throws(ClientError) -> Int32 {
        var writer = JSONWriter()
        info.write(to: &writer, omitting: [.id])
        return try await create(json: writer.bytes)
    }

    /// `create(_:)` with the body already written: a BatchTaskInfo object as JSON text, without Id.
    public func create(json body: [UInt8]) async throws(ClientError) -> Int32 {
        let sender = try sender.get()
        let answer = try await sender.send(.POST, sender.endpoint.collection, body: ByteBuffer(bytes: body), .create)
        guard let id = decoder.id(answer.body) else {
            let text = String(decoding: answer.body.readableBytesView.prefix(60), as: UTF8.self)
            throw .outcomeUnknown(
                "the server answered \(answer.status.code) with \"\(sender.redactor(text))\" instead of a task id; "
                    + "it has probably made the task")
        }
        return id
    }

    /// `GET /BatchTask/{id}`; nil when the server says there is no such task.
    public func get(_ id: Int32) async throws(ClientError) -> BatchTaskInfo? {
        let sender = try sender.get()
        let answer = try await sender.send(.GET, sender.endpoint.task(id), .idempotent, notFoundIsAnswer: true)
        if answer.status == .notFound { return try notFound(answer, sender) }
        return try decoder.task(try decoder.json(answer.body, what: "GET task \(id)"))
    }

    /// `PUT /BatchTask/{id}` with State, Description, Response and Request from `info` (the only properties a PUT
    /// changes); returns the task as the server now has it. Like .NET's PUT, the server clears Description,
    /// Response and Request when they are absent from `info`, so pass all four as they should be.
    ///
    /// The server binds the body to a whole BatchTaskInfo (api.md v3, our reading): one of the four updatable fields
    /// left out would become null, or State `Unknown`. So all four are sent: each that `info` sets, and the others
    /// as `lastRead` (read first when not given) holds them, State as last read.
    public func update(_ id: Int32, _ info: BatchTaskInfo, lastRead: BatchTaskInfo? = nil) async throws(ClientError) -> BatchTaskInfo {
        let sender = try sender.get()
        let updatable = Self.updatable
        var current = lastRead
        if current == nil, !updatable.allSatisfy(info.has) {
            current = try await get(id)
        }
        var body = JSONValue.Object(minimumCapacity: updatable.count)
        for field in updatable {
            body[field.rawValue] = info[field] ?? current?[field] ?? .null
        }
        let writer = JSONValue.object(body).serializedBytes()
        let answer = try await sender.send(.PUT, sender.endpoint.task(id), body: ByteBuffer(bytes: writer), .idempotent)
        return try decoder.task(try decoder.json(answer.body, what: "PUT task \(id)"))
    }

    /// `DELETE /BatchTask/{id}`; false when the task was already gone. A delete retried after a lost answer also
    /// reports false, as its first attempt did the work.
    public func delete(_ id: Int32) async throws(ClientError) -> Bool {
        let sender = try sender.get()
        let answer = try await sender.send(.DELETE, sender.endpoint.task(id), .idempotent, notFoundIsAnswer: true)
        if answer.status == .notFound { return try notFound(answer, sender) ?? false }
        return true
    }

    /// `POST /BatchTask/{id}/Stop`: whether the job was stopped; false for a task that cannot be stopped, an
    /// unknown task, or (after a lost answer and a retry) one the first attempt already stopped.
    public func stop(_ id: Int32) async throws(ClientError) -> Bool {
        let sender = try sender.get()
        let answer = try await sender.send(.POST, sender.endpoint.task(id) + "/Stop", .idempotent, notFoundIsAnswer: true)
        if answer.status == .notFound { return try notFound(answer, sender) ?? false }
        guard case .bool(let stopped) = try decoder.json(answer.body, what: "Stop task \(id)") else {
            throw .invalidResponse("Stop task \(id): expected true or false")
        }
        return stopped
    }

    /// `GET /BatchTask/{state}`: the tasks in a state, or every task for `.all`.
    public func list(state: BatchTaskState) async throws(ClientError) -> [BatchTaskInfo] {
        let sender = try sender.get()
        let url = sender.endpoint.collectionSlash + FormEncoding.escape(state.rawValue)
        let answer = try await sender.send(.GET, url, .idempotent)
        return try decoder.tasks(try decoder.json(answer.body, what: "GET \(state)"))
    }

    // MARK: OData list

    /// `GET /BatchTask?$filter=...`: one page. `select` names properties as the API spells them; `orderBy` is
    /// OData's `Property [asc|desc], ...`. Nil leaves an option out.
    public func query(
        filter: String? = nil, select: [String]? = nil, orderBy: String? = nil, top: Int? = nil, skip: Int? = nil
    ) async throws(ClientError) -> QueryPage {
        let sender = try sender.get()
        var options: [(String, String)] = []
        if let filter { options.append(("$filter", filter)) }
        if let select { options.append(("$select", select.joined(separator: ","))) }
        if let orderBy { options.append(("$orderBy", orderBy)) }
        if let top { options.append(("$top", String(top))) }
        if let skip { options.append(("$skip", String(skip))) }
        var url = sender.endpoint.collection
        for (index, (name, value)) in options.enumerated() {
            url += (index == 0 ? "?" : "&") + name + "=" + FormEncoding.escape(value)
        }
        return try await page(url, sender)
    }

    /// The page an earlier page's `nextLink` points to, fetched from the configured endpoint whatever host the
    /// link names.
    public func nextPage(_ nextLink: String) async throws(ClientError) -> QueryPage {
        let sender = try sender.get()
        return try await page(sender.endpoint.resolve(link: nextLink), sender)
    }

    /// Every row matching `filter` (all rows for nil), following `nextLink` page after page.
    public func queryAll(filter: String?, select: [String]? = nil) async throws(ClientError) -> [ArchiveRow] {
        var page = try await query(filter: filter, select: select)
        var rows = page.rows
        var seen: Set<String> = []
        while let link = page.nextLink {
            // A server that hands out the same link twice would otherwise keep us here forever.
            guard seen.insert(link).inserted else { throw .invalidResponse("the OData nextLink \(link) came twice") }
            page = try await nextPage(link)
            rows += page.rows
        }
        return rows
    }

    // MARK: Agents

    /// `POST /Agents/Batch/GetAllBatchTaskInfosByName`: every task, system and user alike, whose Name is `name`,
    /// as whole BatchTaskInfo values. The documented way to find a task one may have created (api.md).
    public func tasks(named name: String) async throws(ClientError) -> [BatchTaskInfo] {
        let sender = try sender.get()
        var writer = JSONWriter()
        writer.beginObject()
        writer.writeKey("TaskName")
        writer.writeString(name)
        writer.endObject()
        let answer = try await sender.send(.POST, sender.endpoint.agent("GetAllBatchTaskInfosByName"),
                                           body: ByteBuffer(bytes: writer.bytes), .idempotent)
        return try decoder.tasks(try decoder.json(answer.body, what: "GetAllBatchTaskInfosByName"))
    }

    /// `POST /Agents/Batch/DeleteBatchTasks`: deletes every listed task in one request. Idempotent: a task already
    /// gone is no error (a retry after a lost answer deletes nothing more).
    public func delete(ids: [Int32]) async throws(ClientError) {
        guard !ids.isEmpty else { return }
        let sender = try sender.get()
        var writer = JSONWriter()
        writer.beginObject()
        writer.writeKey("BatchTaskIds")
        writer.beginArray()
        for id in ids { writer.writeInt(Int64(id)) }
        writer.endArray()
        writer.endObject()
        _ = try await sender.send(.POST, sender.endpoint.agent("DeleteBatchTasks"), body: ByteBuffer(bytes: writer.bytes), .idempotent)
    }

    /// Reads many tasks at once, `concurrency` requests in flight (for refresh and drift over 10,000+ tasks).
    /// Tasks the server does not have are absent from the result; the first error ends the whole read.
    public func getMany(_ ids: [Int32], concurrency: Int) async throws(ClientError) -> [Int32: BatchTaskInfo] {
        var unique: [Int32] = []
        var seen: Set<Int32> = []
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        let width = max(1, min(concurrency, unique.count))
        let outcome = await withTaskGroup(
            of: Result<(Int32, BatchTaskInfo?), ClientError>.self, returning: Result<[Int32: BatchTaskInfo], ClientError>.self
        ) { group in
            var pending = unique.makeIterator()
            func startNext() {
                guard let id = pending.next() else { return }
                group.addTask {
                    do throws(ClientError) {
                        return .success((id, try await self.get(id)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            for _ in 0..<width { startNext() }
            var found: [Int32: BatchTaskInfo] = [:]
            found.reserveCapacity(unique.count)
            while let result = await group.next() {
                switch result {
                case .success((let id, let task)):
                    if let task { found[id] = task }
                    startNext()
                case .failure(let error):
                    group.cancelAll()
                    return .failure(error)
                }
            }
            return .success(found)
        }
        return try outcome.get()
    }

    // MARK: Helpers

    private func page(_ url: String, _ sender: RequestSender) async throws(ClientError) -> QueryPage {
        let answer = try await sender.send(.GET, url, .idempotent)
        return try decoder.page(try decoder.json(answer.body, what: "OData list"))
    }

    /// A 404 means "no such task" only when it is the API's own answer (an error body, or none). A web server's
    /// HTML page for a wrong endpoint must not make every task look deleted, and the plan recreate them all.
    private func notFound<T>(_ answer: RequestSender.Answer, _ sender: RequestSender) throws(ClientError) -> T? {
        let body = answer.body.readableBytesView
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        if case .object? = try? JSONValue.parse(body) { return nil }
        let message = ResponseDecoder.httpError(answer.status, headers: answer.headers, body: answer.body, redactor: sender.redactor).detail
        throw .http(
            status: 404, errorType: nil,
            message: message + " (not the API's own answer: is the endpoint the installation's root URL?)")
    }
}
