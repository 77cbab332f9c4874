import BatchTask
import GRDB
import Hummingbird
import Schedule

/// What the REST and the Agents endpoints both do to tasks, so the two surfaces cannot drift apart: create,
/// read as of now, update, stop, delete, and select by owner, name, state and kind.
struct TaskService: Sendable {
    let store: TaskStore
    let planner: JobPlanner
    let clock: EmulatorClock
    /// The zone dates are read and written in without `SO-TimeZone` (api.md v3: "A server has a base time zone").
    var baseTimeZone: SuperOfficeTimeZone = .utc

    /// Which tasks a selection covers, by IsSystemTask.
    enum Kind: Sendable {
        case user, system, all
    }

    /// The zone of a request: its `SO-TimeZone` header's, or the base zone.
    func timeZone(of request: Request) throws(APIError) -> RequestTimeZone {
        try RequestTimeZone.of(header: request.headers.value(named: "SO-TimeZone"), base: baseTimeZone)
    }

    /// Queues a new job and returns its id. Id and the server-managed properties (State, LastStarted, StartCount,
    /// Result, ProgressPercent, ProgressDescription) are ignored; Created is read in the request's zone and kept
    /// when given, and set to now otherwise (api.md v3: "set by the server when absent; always stored in UTC").
    /// The store links a ParameterObject's blob through DetailsTable and DetailsRecord (`TaskStore.insert`).
    func create(_ info: BatchTaskInfo, in zone: RequestTimeZone) async throws -> Int32 {
        var info = try zone.reading(info)
        let now = clock.now()
        info.id = nil
        info.created = info.created ?? EmulatorClock.text(ticks: now)
        info.lastStarted = nil
        info.startCount = 0
        // Our reading: the carrier's CancellationBehaviour is an enum, so an absent one binds to its default,
        // CanCancel (0), as .NET's deserializer leaves it.
        info.cancellationBehaviour = info.cancellationBehaviour ?? CancellationBehaviour.canCancel.rawValue
        var task = StoredTask(info: info, job: nil, lastModified: now)
        planner.start(&task, now: now)
        return try await store.insert(task)
    }

    /// The task as its job stands now; nil for an unknown id.
    func task(id: Int32) async throws -> StoredTask? {
        guard let task = try await store.task(id: id) else { return nil }
        return view(task, at: clock.now())
    }

    /// Applies `changes` in one transaction after checking `unmodifiedSince` (whole seconds since 1970) against
    /// the task's last change; 404 for an unknown id, 412 when it changed since.
    func update(id: Int32, _ changes: TaskUpdate, unmodifiedSince: Int64? = nil) async throws -> StoredTask {
        let now = clock.now()
        let planner = self.planner
        // An untyped closure: converting a `throws(APIError)` one crashes Swift 6.3's IRGen.
        let updated = try await store.update(id: id) { (task: inout StoredTask) throws -> Void in
            JobLifecycle.advance(&task, to: now)
            try Self.check(task, unmodifiedSince: unmodifiedSince)
            try changes.apply(to: &task, now: now, planner: planner)
            task.lastModified = now
        }
        guard let updated else { throw APIError.notFound(id: id) }
        return updated.task
    }

    /// True when the job was stopped; 404 for an unknown id.
    func stop(id: Int32) async throws -> Bool {
        let now = clock.now()
        let outcome = try await store.update(id: id) { task in JobLifecycle.stop(&task, at: now) }
        guard let outcome else { throw APIError.notFound(id: id) }
        return outcome.result
    }

    /// 404 for an unknown id, 412 when it changed after `unmodifiedSince`.
    func delete(id: Int32, unmodifiedSince: Int64? = nil) async throws {
        let now = clock.now()
        let deleted = try await store.delete(id: id) { stored in
            var task = stored
            JobLifecycle.advance(&task, to: now)
            try Self.check(task, unmodifiedSince: unmodifiedSince)
        }
        guard deleted else { throw APIError.notFound(id: id) }
    }

    /// The tasks of a kind, optionally only those with exactly this Name, in this state (All: any) and owned by
    /// one of these associates, in id order and as of now.
    func tasks(
        _ kind: Kind, name: String? = nil, state: BatchTaskState? = nil, associates: [Int32]? = nil
    ) async throws -> [BatchTaskInfo] {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        switch kind {
        case .user: conditions.append(#"COALESCE("IsSystemTask", 0) = 0"#)
        case .system: conditions.append(#""IsSystemTask" = 1"#)
        case .all: break
        }
        if let name {
            // Our reading: names match exactly (the server's collation may differ; this one is binary).
            let argument = SQLiteText.argument(name)
            conditions.append(#""Name" = "# + argument.placeholder)
            arguments.append(argument.value)
        }
        if let state, state != .all {
            conditions.append(#""State" = ?"#)
            arguments.append(state.rawValue.databaseValue)
        }
        if let associates {
            guard !associates.isEmpty else { return [] }
            // An absent AssociateId is shown as 0, so it is selected as 0.
            conditions.append(#"COALESCE("AssociateId", 0) IN ("# + associates.map { _ in "?" }.joined(separator: ", ") + ")")
            arguments += associates.map { Int64($0).databaseValue }
        }
        let now = clock.now()
        // State filters run in SQL, so stored rows must first catch up with the clock.
        try await store.settle(now: now)
        let rows = try await store.tasks(where: conditions.joined(separator: " AND "), arguments: arguments)
        return rows.map { view($0, at: now).info }
    }

    func view(_ task: StoredTask, at now: Int64) -> StoredTask {
        var task = task
        JobLifecycle.advance(&task, to: now)
        return task
    }

    /// HTTP dates have whole seconds, so a change within the same second as the date passes.
    private static func check(_ task: StoredTask, unmodifiedSince: Int64?) throws(APIError) {
        guard let unmodifiedSince, let lastModified = task.lastModified else { return }
        let changed = HTTPDate.floorSeconds(lastModified)
        if changed > unmodifiedSince {
            throw .preconditionFailed(
                "BatchTask id \(task.id) changed at \(HTTPDate.text(ticks: lastModified)), after If-Unmodified-Since")
        }
    }
}

extension Request {
    /// If-Unmodified-Since as whole seconds since 1970; nil without one or when it is no HTTP-date, which RFC 9110
    /// says a recipient ignores.
    var unmodifiedSince: Int64? {
        headers[.ifUnmodifiedSince].flatMap(HTTPDate.seconds)
    }
}
