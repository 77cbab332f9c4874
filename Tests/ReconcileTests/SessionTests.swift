import APIClient
import BatchTask
import DesiredTasks
import Diagnostics
import Emulator
import Foundation
import JSON
import Planning
import Reconcile
import State
import Synchronization
import Testing

/// The session driven as a front end drives it, against the emulator in this process over loopback HTTP, with a
/// real state file, journal and lock in a temporary directory.
@Suite struct SessionTests {
    @Test func applyRecordsEveryIdAndTheNextPlanHasNothingToDo() async throws {
        try await withWorld { world in
            let tasks = (1...3).map { world.task("t\($0)") }
            let report = try await world.apply(tasks)
            #expect(report.succeeded == 3)
            let session = try await world.read()
            #expect(session.state.tasks.count == 3)
            for task in tasks {
                let entry = try #require(session.state.tasks[task.address])
                #expect(try await world.client.get(entry.id)?.name == task.info.name)
            }
            let again = try await world.plan(tasks)
            #expect(!again.hasChanges)
        }
    }

    @Test func replaceDeletesTheOldTaskAfterCreatingTheNewOne() async throws {
        for createBeforeDestroy in [false, true] {
            try await withWorld { world in
                var task = world.task("job")
                task.lifecycle.createBeforeDestroy = createBeforeDestroy
                _ = try await world.apply([task])
                let old = try #require(try await world.read().state.tasks[task.address]?.id)

                task.info.parameterObject = ["changed": "yes"]
                let plan = try await world.plan([task])
                #expect(plan.actions.map(\.kind) == [.replace])
                #expect(plan.actions.first?.createBeforeDestroy == createBeforeDestroy)
                let report = try await world.apply([task])
                #expect(report.succeeded == 1, "\(report.outcomes)")

                let state = try await world.read().state
                let new = try #require(state.tasks[task.address]?.id)
                #expect(new != old)
                #expect(state.tasks.count == 1, "no deposed entry is left: \(state.tasks.keys.sorted())")
                #expect(try await world.client.get(old) == nil)
                #expect(try await world.client.get(new)?.parameterObject == ["changed": "yes"])
            }
        }
    }

    @Test func aDeposedEntryLeftByAKilledReplaceIsDeletedByTheNextApply() async throws {
        try await withWorld { world in
            let task = world.task("job")
            _ = try await world.apply([task])
            // A create-before-destroy replace killed after the new task was made and before the old one was
            // deleted leaves the old task at the deposed address.
            let stray = try await world.client.create(world.task("job").info)
            var state = try await world.read().state
            let deposed = StateAddress.deposed(task.address, id: stray)
            state.tasks[deposed] = try #require(state.tasks[task.address]).with(id: stray)
            _ = try world.backend.save(state)

            let plan = try await world.plan([task])
            #expect(plan.actions.filter { $0.kind != .noop }.map(\.address) == [deposed])
            #expect(plan.actions.first { $0.address == deposed }?.kind == .delete)
            _ = try await world.apply([task])
            #expect(try await world.read().state.tasks.keys.sorted() == [task.address])
            #expect(try await world.client.get(stray) == nil)
        }
    }

    @Test func aStateFromBeforeParameterObjectWasTextPlansAReplace() async throws {
        try await withWorld { world in
            var task = world.task("job")
            task.info.parameterObject = ["n": "1", "full": "true"]
            _ = try await world.apply([task])
            // A state written before ParameterObject was a string dictionary recorded the number and the boolean.
            var state = try await world.read().state
            let entry = try #require(state.tasks[task.address])
            var applied = try #require(entry.applied.objectValue)
            applied["ParameterObject"] = ["n": 1, "full": true]
            state.tasks[task.address] = StateEntry(id: entry.id, fingerprint: entry.fingerprint, applied: .object(applied),
                                                   appliedAt: entry.appliedAt, source: entry.source)
            _ = try world.backend.save(state)

            let session = try await world.read()
            let plan = try session.plan(ExpansionResult(tasks: [task]), live: nil, options: PlanOptions(endpoint: world.endpoint))
            #expect(plan.actions.map(\.kind) == [.replace], "ParameterObject is not updatable: the task is made again")
            let change = try #require(plan.actions.first?.changes.first)
            #expect(change.before?["n"] == 1 && change.before?["full"] == true)
            #expect(change.after?["n"] == "1" && change.after?["full"] == "true")
        }
    }

    @Test func anInterruptedCreateIsAdoptedNotSentAgain() async throws {
        try await withWorld { world in
            let task = world.task("job")
            // A run that wrote its intent, sent the create, and died before the answer was journaled.
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .create, address: task.address, id: nil,
                                       fingerprint: Fingerprint.of(task: task.info), at: Timestamp.now()))
            try journal.close()
            let made = try await world.client.create(task.info)

            let notices = NoticeLog()
            var session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: notices)
            #expect(session.state.tasks[task.address]?.id == made)
            #expect(notices.kinds.contains(.requestResolved))
            #expect(notices.kinds.contains(.journalRecovered))
            #expect(!FileManager.default.fileExists(atPath: world.backend.journalPath))
            let plan = try session.plan(ExpansionResult(tasks: [task]), live: try await session.refresh(client: world.client, concurrency: 4),
                                        options: PlanOptions(endpoint: world.endpoint))
            #expect(!plan.hasChanges, "the adopted task is not created again: \(plan.summaryLine)")
            let report = try await session.apply(plan, desired: [:], client: world.client, options: ApplyOptions(),
                                                 observer: nil, cancellation: CancellationFlag())
            #expect(report.outcomes.isEmpty)
            #expect(try await world.client.queryAll(filter: nil).count == 1)
            await session.release()
        }
    }

    @Test func anInterruptedRunIsAdoptedAsTheCurrentRunAndTheOldOneKeptAsHistory() async throws {
        try await withWorld { world in
            let task = world.task("job")
            #expect(try await world.apply([task]).succeeded == 1)
            let first = try #require(try await world.read().state.tasks[task.address]?.id)
            // A `run` that wrote its intent, started the new run, and died before the answer was journaled.
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .run, address: task.address, id: first,
                                       fingerprint: Fingerprint.of(task: task.info), at: Timestamp.now()))
            try journal.close()
            let made = try await world.client.create(task.info)

            let notices = NoticeLog()
            let session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: notices)
            #expect(session.state.tasks[task.address]?.id == made)
            #expect(session.state.tasks[task.address]?.history.map(\.id) == [first])
            #expect(notices.messages.contains { $0.contains("the interrupted run had started task \(made)") }, "\(notices.messages)")
            await session.release()
            #expect(try await world.client.queryAll(filter: nil).count == 2, "nothing was started again")
        }
    }

    @Test func anInterruptedRunOfAPendingSlotIsAdoptedForItsSlotAndIsNoLongerPending() async throws {
        try await withWorld { world in
            let task = world.task("job")
            #expect(try await world.apply([task]).succeeded == 1)
            let first = try #require(try await world.read().state.tasks[task.address]?.id)
            let slot = "2026-12-02T01:00:00Z"
            let later = PendingRun(slot: "2026-12-03T01:00:00Z", waitsFor: ["s/a"], since: Timestamp.now(), start: .run)
            // Two runs pending; the one for `slot` was started (attempt 2) and the process died before its answer.
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .pend, address: task.address, id: nil, fingerprint: nil, at: Timestamp.now()))
            try journal.append(.outcome(sequence: 1, address: task.address, result: .pending(
                [PendingRun(slot: slot, waitsFor: ["s/a"], since: Timestamp.now(), start: .run), later], passed: nil)))
            try journal.append(.intent(sequence: 2, action: .run, address: task.address, id: first,
                                       fingerprint: Fingerprint.of(task: task.info), at: Timestamp.now(), slot: slot, attempt: 2))
            try journal.close()
            let made = try await world.client.create(task.info)

            let session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: NoticeLog())
            let entry = try #require(session.state.tasks[task.address])
            #expect(entry.id == made)
            #expect(entry.slot == slot && entry.attempt == 2)
            #expect(session.state.pending[task.address] == [later], "only the run not started is still pending")
            await session.release()
            #expect(try await world.read().state.pending[task.address] == [later])
            #expect(try await world.client.queryAll(filter: nil).count == 2, "nothing was started again")
        }
    }

    @Test func anInterruptedDeletionOfAnOldRunIsRecordedOnceTheServerNoLongerHasIt() async throws {
        try await withWorld { world in
            let task = world.task("job")
            #expect(try await world.apply([task]).succeeded == 1)
            let old = try #require(try await world.read().state.tasks[task.address]?.id)
            let current = try await world.client.create(task.info)
            // The state after a run: the new run current, the old one in the history.
            var session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: nil)
            let secrets = session.secrets
            _ = try await session.edit { state in
                state.tasks[task.address] = state.tasks[task.address]?.startingRun(task.stateEntry(id: current, secrets: secrets))
            }
            await session.release()
            // A clean-up that wrote its intent, deleted the old run, and died before the answer was journaled.
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .deleteRun, address: task.address, id: old, fingerprint: nil, at: Timestamp.now()))
            try journal.close()
            #expect(try await world.client.delete(old))

            let notices = NoticeLog()
            let recovered = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                        client: world.client, desired: [task.address: task], observer: notices)
            #expect(recovered.state.tasks[task.address]?.id == current)
            #expect(recovered.state.tasks[task.address]?.history.isEmpty == true)
            #expect(notices.messages.contains { $0.contains("the interrupted deletion of old run \(old) had happened") }, "\(notices.messages)")
            await recovered.release()
        }
    }

    @Test func aReadingSessionReplaysAJournalInMemoryAndLeavesItForTheNextWriter() async throws {
        try await withWorld { world in
            let task = world.task("job")
            let journal = try world.backend.openJournal()
            try journal.append(.intent(sequence: 1, action: .create, address: task.address, id: nil, fingerprint: nil, at: Timestamp.now()))
            try journal.append(.outcome(sequence: 1, address: task.address, result: .created(task.stateEntry(id: 41, secrets: .unkeyed))))
            try journal.append(.intent(sequence: 2, action: .create, address: "set/other", id: nil, fingerprint: nil, at: Timestamp.now()))
            try journal.close()

            let notices = NoticeLog()
            let session = try await StateSession.open(.read, backend: world.backend, endpoint: world.endpoint, observer: notices)
            #expect(session.state.tasks[task.address]?.id == 41)
            #expect(notices.messages == ["an interrupted run left \(world.backend.description).journal; it is replayed here, and the next apply checks its 1 unanswered request against the API"])
            #expect(FileManager.default.fileExists(atPath: world.backend.journalPath))
            #expect(try world.backend.load() == nil, "a reading session writes nothing")

            // An edit of the state alone needs that recovery first.
            await #expect(throws: SessionError.self) {
                _ = try await StateSession.open(.edit(operation: "state rm", lockTimeout: .zero), backend: world.backend,
                                                endpoint: world.endpoint, observer: nil)
            }
        }
    }

    @Test func aStateBoundToAnotherEndpointIsRefused() async throws {
        try await withWorld { world in
            _ = try await world.apply([world.task("job")])
            let error = await #expect(throws: StateError.self) {
                _ = try await StateSession.open(.read, backend: world.backend, endpoint: "https://elsewhere.example/api/v1", observer: nil)
            }
            #expect(error?.isEndpointMismatch == true)
            // A trailing slash is not another endpoint.
            _ = try await StateSession.open(.read, backend: world.backend, endpoint: world.endpoint + "/", observer: nil)
        }
    }

    @Test func aWriterHoldsTheLockAndReadersAreRefusedUntilItLetsGo() async throws {
        try await withWorld { world in
            let writer = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                     client: world.client, desired: [:], observer: nil)
            let error = await #expect(throws: StateError.self) {
                _ = try await StateSession.open(.read, backend: world.backend, endpoint: world.endpoint, observer: nil)
            }
            #expect(error?.isLocked == true)
            await writer.release()
            _ = try await StateSession.open(.read, backend: world.backend, endpoint: world.endpoint, observer: nil)
        }
    }

    @Test func importAdoptsATaskOnceAndRecordsWhatTheServerHolds() async throws {
        try await withWorld { world in
            var task = world.task("job")
            let id = try await world.client.create(task.info)
            task.info.description = "the manifest says otherwise"
            var session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [task.address: task], observer: nil)
            let entry = try await session.importTask(task, id: id, client: world.client)
            #expect(entry.id == id)
            #expect(entry.applied["Description"] == .string("Task job"))
            #expect(try world.backend.load()?.tasks[task.address]?.id == id)

            await #expect(throws: SessionError.self) { _ = try await session.importTask(task, id: id, client: world.client) }
            let plan = try session.plan(ExpansionResult(tasks: [task]), live: nil, options: PlanOptions(endpoint: world.endpoint))
            #expect(plan.actions.map(\.kind) == [.update], "the next plan shows how the manifest differs")
            await session.release()
        }
    }

    @Test func destroyDeletesWhatTheTargetsAndSetsSelect() async throws {
        try await withWorld { world in
            let tasks = [world.task("a1"), world.task("a2"), world.task("b1", set: "other")]
            _ = try await world.apply(tasks)
            var session = try await StateSession.open(world.write, backend: world.backend, endpoint: world.endpoint,
                                                      client: world.client, desired: [:], observer: nil)
            let plan = try session.destroyPlan(targets: try TaskSelection(targets: ["*/a*"], excludes: ["set/a2"]), sets: ["set"])
            let typo = #expect(throws: SessionError.self) {
                _ = try session.destroyPlan(targets: try TaskSelection(targets: ["set/a1", "set/zz*"]), sets: nil)
            }
            #expect(typo?.message.hasPrefix("--target set/zz* matches no address in ") == true)
            let error = #expect(throws: PlanningError.self) {
                var options = PlanOptions(endpoint: world.endpoint)
                options.selection = try TaskSelection(excludes: ["set/nope"])
                _ = try session.plan(ExpansionResult(tasks: tasks), live: nil, options: options)
            }
            #expect(error?.messages == ["--exclude set/nope matches no task in the manifests or the state; check its spelling (`batchctl render` lists the addresses)"])
            #expect(plan.actions.map(\.address) == ["set/a1"])
            let report = try await session.apply(plan, desired: [:], client: world.client, options: ApplyOptions(),
                                                 observer: nil, cancellation: CancellationFlag())
            #expect(report.succeeded == 1)
            #expect(session.state.tasks.keys.sorted() == ["other/b1", "set/a2"])
            await session.release()
        }
    }
}

// MARK: - Support

/// An emulator in this process and a state directory of one's own.
struct World: Sendable {
    let client: BatchTaskClient
    let backend: LocalStateBackend
    let endpoint = "embedded"
    let write = StateSession.Access.write(operation: "test", lockTimeout: .zero)

    func task(_ key: String, set: String = "set") -> DesiredTask {
        var info = BatchTaskInfo()
        info.name = "\(set) \(key)"
        info.description = "Task \(key)"
        info.databaseSerialNumber = "1"
        info.cancellationBehaviour = "CanCancel"
        info.parameterObject = ["key": .string(key)]
        return DesiredTask(setName: set, key: key, address: "\(set)/\(key)", source: SourceLocation(file: "t.yaml", line: 1, column: 1),
                           info: info)
    }

    func read() async throws -> StateSession {
        try await StateSession.open(.read, backend: backend, endpoint: endpoint, observer: nil)
    }

    func plan(_ tasks: [DesiredTask]) async throws -> Plan {
        let session = try await read()
        let live = try await session.refresh(client: client, concurrency: 4)
        return try session.plan(ExpansionResult(tasks: tasks), live: live, options: PlanOptions(endpoint: endpoint))
    }

    /// Plans with refresh and applies, as `batchctl apply --auto-approve` does.
    func apply(_ tasks: [DesiredTask]) async throws -> ApplyReport {
        let desired = Dictionary(uniqueKeysWithValues: tasks.map { ($0.address, $0) })
        var session = try await StateSession.open(write, backend: backend, endpoint: endpoint, client: client,
                                                  desired: desired, observer: nil)
        return try await session.whileOpen { session in
            let live = try await session.refresh(client: client, concurrency: 4)
            let plan = try session.plan(ExpansionResult(tasks: tasks), live: live, options: PlanOptions(endpoint: endpoint))
            return try await session.apply(plan, desired: desired, client: client, options: ApplyOptions(), observer: nil,
                                           cancellation: CancellationFlag())
        }
    }
}

func withWorld(_ body: (World) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-session-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let emulator = try await EmbeddedEmulator.start(databasePath: directory + "/emulator.sqlite", jobs: JobConfiguration(durationSeconds: 0))
    var configuration = ClientConfiguration(baseURL: emulator.baseURL)
    configuration.credentials = .basic(user: emulator.credential.user, password: emulator.credential.password)
    let client = BatchTaskClient(configuration: configuration)
    let world = World(client: client, backend: LocalStateBackend(path: directory + "/batchctl.state.json"))
    do {
        try await body(world)
    } catch {
        await client.shutdown()
        await emulator.stop()
        throw error
    }
    await client.shutdown()
    await emulator.stop()
}

/// Collects a session's notices.
final class NoticeLog: SessionObserver {
    private let notices = Mutex<[SessionNotice]>([])

    func notice(_ notice: SessionNotice) { notices.withLock { $0.append(notice) } }

    var kinds: [SessionNotice.Kind] { notices.withLock { $0.map(\.kind) } }
    var messages: [String] { notices.withLock { $0.map(\.message) } }
}

extension StateEntry {
    func with(id: Int32) -> StateEntry {
        var copy = self
        copy.id = id
        return copy
    }
}
