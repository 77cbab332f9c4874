import APIClient
import BatchTask
import DesiredTasks
import Diagnostics
import Foundation
import JSON
import Planning
import State

/// What a session noticed on the way that the user should hear of: the command line prints these, a controller
/// logs and counts them.
public struct SessionNotice: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case note, warning
    }

    public enum Kind: String, Sendable, Hashable {
        /// The lock of a run that died on this host was taken over.
        case staleLockTakenOver
        /// A journal left by an interrupted run was replayed in memory only (a reading command).
        case journalReplayed
        /// A journal left by an interrupted run was folded into the state and removed.
        case journalRecovered
        /// An unanswered request of the interrupted run was resolved against the API.
        case requestResolved
        /// An unanswered request could not be checked.
        case requestUnchecked
        /// Secret hashes from before keyed hashes were rewritten keyed.
        case secretsRehashed
    }

    public var severity: Severity
    public var kind: Kind
    public var message: String

    public init(_ severity: Severity, _ kind: Kind, _ message: String) {
        self.severity = severity
        self.kind = kind
        self.message = message
    }
}

/// Told about a session's notices; called from whatever task the session runs on.
public protocol SessionObserver: Sendable {
    func notice(_ notice: SessionNotice)
}

/// A session refused what it was asked to do; the message says why and what to do instead.
public struct SessionError: UserFacingError, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}

/// One run against one state, the protocol that keeps every front end safe: open it (lock or shared read, load,
/// bind to the endpoint, replay a leftover journal, resolve its unanswered requests against the API), plan,
/// apply, release.
///
/// It takes any `StateBackend`; the command line and a controller drive it the same way, and hear about what it
/// noticed through a `SessionObserver`.
public struct StateSession: Sendable {
    /// How a session holds the state.
    public enum Access: Sendable {
        /// A shared read (plan, drift, status): fails while a writer holds the lock; a leftover journal is
        /// replayed in memory only, and its unanswered requests are left for the next writer.
        case read
        /// The state as it is stored, with no lock check and no journal (`state list`, `state show`).
        case inspect
        /// The state as it is stored, with no lock check and no journal, or a new one when there is none yet: what a
        /// controller that follows another sees (the leader may hold the lock, and may not have applied yet).
        case follow
        /// The exclusive lock for a run that sends requests: a leftover journal is folded in and its unanswered
        /// requests resolved against the API before anything new is sent. `sets` names the task sets the run may
        /// change (nil: all of them); a backend with per-set locks lets runs on other sets proceed at once.
        case write(operation: String, lockTimeout: Duration, sets: [String]? = nil)
        /// The exclusive lock for an edit of the state alone (`state rm`, `state mv`, `schedule suspend`): refused while
        /// an interrupted run's journal waits for recovery, which needs the API. `sets` as for `write`.
        case edit(operation: String, lockTimeout: Duration, sets: [String]? = nil)
    }

    public let backend: any StateBackend
    /// What the state is bound to: the endpoint as given, or `embedded`.
    public let endpoint: String
    public private(set) var state: State
    /// False when there was no state yet (the state is new and empty).
    public private(set) var existed: Bool
    private let lock: (any StateLock)?
    private let observer: (any SessionObserver)?
    /// How this state hashes secrets: with its key, once one was made (`SecretHasher`).
    public let secrets: SecretHasher

    /// The state as a plan records it: nil before the first apply, so a saved plan can tell.
    public var planningState: State? { existed || !state.tasks.isEmpty ? state : nil }

    // MARK: - Opening

    /// Opens a session that sends no request while opening: `.read`, `.inspect`, `.follow` or `.edit`. For `.write`, use
    /// `open(_:backend:endpoint:client:desired:observer:)`, which needs the API to resolve a leftover journal.
    public static func open(_ access: Access, backend: any StateBackend, endpoint: String, sets: [String]? = nil,
                            observer: (any SessionObserver)?) async throws -> StateSession {
        switch access {
        case .read:
            try await backend.checkUnlocked(sets: sets)
            var (state, existed) = try await load(backend: backend, endpoint: endpoint, create: true)
            let records = try await backend.readJournal(for: nil)
            if !records.isEmpty {
                let unresolved = JournalReplay.apply(records, to: &state)
                let check = unresolved.isEmpty ? "" : ", and the next apply checks its \(unresolved.count) unanswered request\(unresolved.count == 1 ? "" : "s") against the API"
                observer?.notice(SessionNotice(.warning, .journalReplayed,
                    "an interrupted run left \(backend.description).journal; it is replayed here\(check)"))
            }
            let secrets = try await hasher(backend: backend, state: state, create: false)
            return StateSession(backend: backend, endpoint: endpoint, state: state, existed: existed, lock: nil, observer: observer,
                                secrets: secrets)
        case .inspect, .follow:
            let following = if case .follow = access { true } else { false }
            let (state, existed) = try await load(backend: backend, endpoint: following ? endpoint : nil, create: following)
            // Inspecting needs no key, but uses one where there is one (`graph --state` plans with it).
            let key = (try? await backend.secretKey(create: false)) ?? nil
            return StateSession(backend: backend, endpoint: state.endpoint, state: state, existed: existed, lock: nil, observer: observer,
                                secrets: SecretHasher(key: key))
        case .edit(let operation, let lockTimeout, let sets):
            let lock = try await takeLock(backend: backend, sets: sets, operation: operation, timeout: lockTimeout, observer: observer)
            do {
                if !(try await backend.readJournal(for: lock)).isEmpty {
                    throw SessionError("an interrupted run left \(backend.description).journal; run `batchctl apply` (or plan) to recover it first")
                }
                let (state, existed) = try await load(backend: backend, endpoint: nil, create: false)
                let secrets = try await hasher(backend: backend, state: state, create: false)
                return StateSession(backend: backend, endpoint: state.endpoint, state: state, existed: existed, lock: lock, observer: observer,
                                    secrets: secrets)
            } catch {
                await lock.release()
                throw error
            }
        case .write:
            throw SessionError("a session that writes needs the API to resolve an interrupted run: open it with a client")
        }
    }

    /// Opens a session with the exclusive lock (`.write`), replaying a leftover journal and resolving its
    /// unanswered requests through `client` before anything new is sent. `desired` (by address) is what recovery
    /// compares the server's tasks with.
    public static func open(_ access: Access, backend: any StateBackend, endpoint: String, client: BatchTaskClient,
                            desired: [String: DesiredTask], observer: (any SessionObserver)?) async throws -> StateSession {
        guard case .write(let operation, let lockTimeout, let sets) = access else {
            return try await open(access, backend: backend, endpoint: endpoint, observer: observer)
        }
        let lock = try await takeLock(backend: backend, sets: sets, operation: operation, timeout: lockTimeout, observer: observer)
        do {
            var (state, existed) = try await load(backend: backend, endpoint: endpoint, create: true)
            // The key is made the first time a run records a secret.
            let secrets = try await hasher(backend: backend, state: state, create: desired.values.contains { !$0.redactions.isEmpty })
            let records = try await backend.readJournal(for: lock)
            if !records.isEmpty {
                existed = true
                let unresolved = JournalReplay.apply(records, to: &state)
                let recorder = StateRecorder(state: state, backend: backend, journal: try await backend.openJournal(for: lock), lock: lock,
                                             secrets: secrets)
                if !unresolved.isEmpty {
                    let notes = try await Recovery.resolve(unresolved, desired: desired, recorder: recorder, client: client)
                    for note in notes { observer?.notice(note) }
                }
                state = try await recorder.finish()
                observer?.notice(SessionNotice(.note, .journalRecovered,
                    "recovered the interrupted run's journal (\(records.count) records) into \(backend.description)"))
            }
            var session = StateSession(backend: backend, endpoint: endpoint, state: state, existed: existed, lock: lock,
                                       observer: observer, secrets: secrets)
            try await session.rehashSecrets(desired: desired)
            return session
        } catch {
            await lock.release()
            throw error
        }
    }

    /// The hasher of `state`'s secrets, with the backend's key (made now with `create`). A state that holds keyed
    /// hashes without its key is refused: every secret would read as changed, and a replace would follow.
    private static func hasher(backend: any StateBackend, state: State, create: Bool) async throws -> SecretHasher {
        if let key = try await backend.secretKey(create: false) { return SecretHasher(key: key) }
        if let address = state.tasks.first(where: { $0.value.appliedMentions(Self.keyedMarker) })?.key {
            throw SessionError(
                "\(backend.description) holds secrets hashed with its key (\(address) among them), and the key is missing",
                hint: "restore the key from where the state came from (a state file keeps it beside itself, as <state>.key; `batchctl state migrate` carries it); without it every secret would read as changed")
        }
        return SecretHasher(key: create ? try await backend.secretKey(create: true) : nil)
    }

    private static let keyedMarker = Array(SecretHasher.keyedPrefix.utf8)

    /// Rewrites, keyed, the secret hashes a state from before keys recorded, wherever the manifests' value still
    /// matches; the state alone changes (the API is not asked), and is saved at once.
    private mutating func rehashSecrets(desired: [String: DesiredTask]) async throws {
        guard secrets.isKeyed else { return }
        var rewritten = 0
        var state = self.state
        // Only the sets this run holds: another run may be writing the others.
        let held = lock?.sets
        for (address, task) in desired where !task.redactions.isEmpty && held?.contains(task.setName) != false {
            guard var entry = state.tasks[address], case .object(var applied) = entry.applied else { continue }
            var changed = false
            for field in task.redactions.keys {
                guard let recorded = applied[field.rawValue], SecretHasher.isUnkeyed(recorded), let value = task.info[field],
                      secrets.matches(value, recorded) else { continue }
                applied[field.rawValue] = secrets.marker(for: value)
                changed = true
            }
            guard changed else { continue }
            entry.applied = .object(applied)
            entry.fingerprint = Fingerprint.of(.object(applied))
            state.tasks[address] = entry
            rewritten += 1
        }
        guard rewritten > 0 else { return }
        self.state = try await backend.save(state)
        observer?.notice(SessionNotice(.note, .secretsRehashed,
            "rewrote the secret hashes of \(rewritten) task\(rewritten == 1 ? "" : "s") keyed, with the key of \(backend.description)"))
    }

    private static func takeLock(backend: any StateBackend, sets: [String]?, operation: String, timeout: Duration,
                                 observer: (any SessionObserver)?) async throws(StateError) -> any StateLock {
        let lock = try await backend.lock(sets: sets, operation: operation, timeout: timeout)
        if let stale = lock.replacedStale {
            observer?.notice(SessionNotice(.note, .staleLockTakenOver,
                "took over the lock of a run that no longer exists (pid \(stale.pid) on \(stale.host), \(stale.operation) since \(stale.created))"))
        }
        return lock
    }

    /// The stored state, bound to `endpoint` when one is given; a new empty state when there is none and `create`.
    private static func load(backend: any StateBackend, endpoint: String?, create: Bool) async throws -> (State, existed: Bool) {
        guard let state = try await backend.load() else {
            guard create, let endpoint else {
                throw SessionError("there is no state at \(backend.description) yet")
            }
            return (State.new(endpoint: endpoint), false)
        }
        if let endpoint { try state.checkEndpoint(endpoint, stateDescription: backend.description) }
        return (state, true)
    }

    /// Lets go of the lock, if this session holds one. Safe to call more than once.
    public func release() async {
        await lock?.release()
    }

    /// Runs `body` with the session, and lets go of its lock afterwards whatever happens.
    public mutating func whileOpen<T>(_ body: (inout StateSession) async throws -> T) async throws -> T {
        do {
            let result = try await body(&self)
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    /// `batchctl state unlock LOCK_ID`: removes the lock on `backend` only when `id` is its id.
    public static func unlock(backend: any StateBackend, id: String) async throws(StateError) {
        try await backend.unlock(id: id)
    }

    // MARK: - Planning

    /// What the server holds now for every task this state manages, read as `read` says (`Refresh`).
    public func refresh(client: BatchTaskClient, concurrency: Int, read: RefreshRead = .auto) async throws(ClientError) -> [Int32: BatchTaskInfo] {
        try await Refresh.live(for: state, client: client, concurrency: concurrency, read: read)
    }

    /// Plans the manifests' tasks against this state and, when refreshed, the live tasks. `imports` are the manifests'
    /// `import` entries as `resolveImports` read them; an address whose import is not resolved is not created.
    public func plan(_ expansion: ExpansionResult, live: [Int32: BatchTaskInfo]?, options: PlanOptions,
                     imports: [ResolvedImport] = []) throws(PlanningError) -> Plan {
        var options = options
        options.secrets = secrets
        options.lockedSets = lock?.sets
        let resolved = Set(imports.map(\.address))
        options.awaitingImport = Set(ImportResolver.outstanding(expansion.imports, moves: expansion.moves, state: planningState)
            .map(\.address).filter { !resolved.contains($0) })
        return try Planner.plan(desired: expansion.tasks, moves: expansion.moves, imports: imports, sets: expansion.sets,
                                state: planningState, live: live, options: options)
    }

    /// `plan`, with the manifests' `import` entries in its scope resolved through `client` first.
    public func plan(_ expansion: ExpansionResult, live: [Int32: BatchTaskInfo]?, options: PlanOptions,
                     client: BatchTaskClient, concurrency: Int) async throws -> Plan {
        try plan(expansion, live: live, options: options,
                 imports: try await resolveImports(expansion, selection: options.selection, client: client, concurrency: concurrency))
    }

    /// Whether some of the manifests' `import` entries in scope are not in this state yet (resolving them reads the
    /// API).
    public func hasImportsToResolve(_ expansion: ExpansionResult, selection: TaskSelection = .everything) -> Bool {
        !ImportResolver.outstanding(imports(of: expansion, selection: selection), moves: expansion.moves, state: planningState).isEmpty
    }

    /// The manifests' `import` entries in scope that this state has no entry for yet, with the tasks they name read
    /// from the API.
    public func resolveImports(_ expansion: ExpansionResult, selection: TaskSelection = .everything, client: BatchTaskClient,
                               concurrency: Int) async throws -> [ResolvedImport] {
        try await ImportResolver.resolve(imports(of: expansion, selection: selection), moves: expansion.moves, state: planningState,
                                         client: client, concurrency: concurrency)
    }

    /// The `import` entries whose address the plan may act on: the selection takes it (with its set's labels) and
    /// the run holds its set. The others are not read: another team's entry that names a missing or ambiguous task
    /// does not stop this run, and the planner leaves their addresses alone.
    func imports(of expansion: ExpansionResult, selection: TaskSelection) -> [ImportEntry] {
        let scope = Planner.Scope(selection: selection, sets: expansion.sets, locked: lock?.sets)
        return expansion.imports.filter { scope.includesTask(at: $0.address) }
    }

    /// Refuses the plan saved at `path` when the endpoint, the state or the manifests moved on since it was made.
    public func verify(savedPlan plan: Plan, path: String, desired: [DesiredTask]) throws(PlanFileError) {
        try SavedPlan.verify(plan, path: path, state: planningState, desired: desired, endpoint: endpoint)
    }

    /// The plan file at `path`, read (not yet verified: that takes the state, after the lock).
    public static func savedPlan(at path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SessionError("cannot read the plan file \(path)")
        }
        return try SavedPlan.read(Array(data), path: path)
    }

    /// What the server holds that differs from what was applied, and what is missing.
    public func drift(live: [Int32: BatchTaskInfo], desired: [DesiredTask], selection: TaskSelection = .everything,
                      fields: FieldModel = .standard) -> DriftReport {
        Drift.report(entries: state.tasks, live: live, desired: desired, selection: selection, secrets: secrets, fields: fields)
    }

    /// The plan that stops and deletes the managed tasks `targets` selects (and, when `sets` is given, only those of
    /// these task sets; never of a set the session does not hold the lock of); refused where it would delete a task
    /// whose manifest in `desired` says `lifecycle.preventDestroy`.
    public func destroyPlan(targets: TaskSelection, sets: Set<String>?, protecting desired: [DesiredTask] = []) throws -> Plan {
        try checkPatterns(targets)
        let held = lock?.sets
        let within = sets.map { sets in held.map { sets.intersection($0) } ?? sets } ?? held
        return try Planner.destroy(state: state, targets: targets, sets: within, endpoint: endpoint, protecting: desired)
    }

    /// Refuses a `--target` or `--exclude` that matches none of the state's addresses: a typo would otherwise read
    /// as "nothing to do".
    public func checkPatterns(_ selection: TaskSelection) throws(SessionError) {
        let unmatched = selection.patternsMatchingNothing(in: state.tasks.keys.lazy.map { StateAddress.parseDeposed($0)?.address ?? $0 })
        guard !unmatched.isEmpty else { return }
        throw SessionError("\(unmatched.joined(separator: ", ")) \(unmatched.count == 1 ? "matches" : "match") no address in \(backend.description); `batchctl state list` lists them")
    }

    // MARK: - Changing the state

    /// Carries out `plan` through the executor, journaling every request, and saves the state at the end.
    ///
    /// `cancellation` stops new requests (the front end sets it on Ctrl-C); what was sent is recorded either way.
    public mutating func apply(_ plan: Plan, desired: [String: DesiredTask], client: BatchTaskClient, options: ApplyOptions,
                               observer: (any ApplyObserver)?, cancellation: CancellationFlag) async throws -> ApplyReport {
        let lock = try requireLock("apply a plan")
        let recorder = StateRecorder(state: state, backend: backend, journal: try await backend.openJournal(for: lock), lock: lock,
                                     secrets: secrets)
        let executor = Executor(client: client, recorder: recorder, desired: desired, options: options,
                                observer: observer, cancellation: cancellation)
        let report = await executor.run(plan)
        state = try await recorder.finish()
        existed = true
        return report
    }

    /// Adopts task `id`, which the API already holds, at `task`'s address; journaled like a create.
    public mutating func importTask(_ task: DesiredTask, id: Int32, client: BatchTaskClient) async throws -> StateEntry {
        let lock = try requireLock("import a task")
        if let existing = state.tasks[task.address] {
            throw SessionError("\(task.address) is already in the state as task \(existing.id); `batchctl state rm \(task.address)` first to import another")
        }
        if let owner = state.tasks.first(where: { $0.value.ownedIds.contains(id) }) {
            throw SessionError("task \(id) is already managed as \(owner.key)")
        }
        guard let live = try await client.get(id) else { throw SessionError("the API has no task \(id)") }
        let entry = Import.entry(for: task, id: id, live: live, at: Timestamp.now(), secrets: secrets)
        let recorder = StateRecorder(state: state, backend: backend, journal: try await backend.openJournal(for: lock), lock: lock,
                                     secrets: secrets)
        try await recorder.imported(entry, address: task.address)
        state = try await recorder.finish()
        existed = true
        return entry
    }

    /// Edits the state alone (`state rm`, `state mv`) and saves it; returns what was saved.
    public mutating func edit(_ change: (inout State) throws -> Void) async throws -> State {
        try requireLock("edit the state")
        var edited = state
        try change(&edited)
        state = try await backend.save(edited)
        return state
    }

    @discardableResult
    private func requireLock(_ what: String) throws(SessionError) -> any StateLock {
        guard let lock else { throw SessionError("cannot \(what) in a session opened without the lock") }
        return lock
    }
}

extension ExpansionResult {
    /// The task sets an apply of these manifests may change, for the lock: their own, and those their `moved:`
    /// entries leave and enter.
    public var changedSets: [String] {
        Array(Set(sets.map(\.name) + moves.flatMap { [StateAddress.setName(of: $0.from), StateAddress.setName(of: $0.to)] })).sorted()
    }
}
