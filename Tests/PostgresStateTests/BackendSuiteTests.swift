import Foundation
import JSON
import PostgresState
import PostgresTestSupport
import State
import Testing

/// Which backend a test of the state suite runs on.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case file, postgres
    var testDescription: String { rawValue }
}

/// One state test-suite, two backends: what the session relies on holds for the file and for PostgreSQL alike.
@Suite(.serialized) struct BackendSuiteTests {
    /// A fresh, empty state location of `kind`; a second call with the same `place` names the same location.
    static func backend(_ kind: BackendKind, place: String, workspace: String = StateLocation.defaultWorkspace,
                        lease: Duration = .seconds(30)) throws -> any StateBackend {
        switch kind {
        case .file:
            let directory = NSTemporaryDirectory() + "batchctl-suite-" + place
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try StateLocation.backend(for: directory + "/batchctl.state.json", workspace: workspace)
        case .postgres:
            let server = try PostgresServer.shared()
            let location = try PostgresLocation(server.url(schema: "s_" + place), environment: [:])
            // A transaction's bound is generous here: the suite runs beside every other suite on a shared machine,
            // and what it checks is the locking, not the bound.
            return PostgresStateBackend(location: location, workspace: workspace, lease: lease, operationTimeout: .seconds(60))
        }
    }

    static func place() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20).description }

    static func entry(_ id: Int32, name: String = "Task") -> StateEntry {
        StateEntry(id: id, fingerprint: String(repeating: "a", count: 64), applied: ["Name": .string(name), "ParameterObject": ["k": "v"]],
                   appliedAt: "2026-12-02T00:00:00Z", source: "sets/a.yaml:3:5")
    }

    static let skip = PostgresServer.missingPrerequisite

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func whatIsSavedIsReadBackEntryForEntry(kind: BackendKind) async throws {
        let place = Self.place()
        let backend = try Self.backend(kind, place: place)
        defer { Task { await backend.close() } }
        #expect(try await backend.load() == nil)
        let lock = try await backend.lock(sets: nil, operation: "test", timeout: .zero)
        var state = State.new(endpoint: "https://crm.example/api")
        state.tasks = ["a/one": Self.entry(1, name: "é \"quoted\" \\ ✓"), "a/two": Self.entry(2), "b/one": Self.entry(3)]
        let saved = try await backend.save(state)
        #expect(saved.serial == 1)
        state = saved
        state.tasks["a/two"] = nil
        state.tasks["b/two"] = Self.entry(4)
        // Runs (format 2): a task's history and last State, and scheduled tasks that have not run yet.
        state.tasks["a/one"] = state.tasks["a/one"]?.startingRun(Self.entry(5, name: "é \"quoted\" \\ ✓"))
        state.tasks["a/one"]?.lastState = "Started"
        state.tasks["a/one"]?.slot = "2026-12-02T01:00:00Z"
        state.scheduled = ["b/later": "2026-12-01T10:00:00Z", "a/later": "2026-12-01T11:00:00Z"]
        let second = try await backend.save(state)
        #expect(second.serial == 2)
        await lock.release()

        // Another process, another backend value: only what was stored.
        let reader = try Self.backend(kind, place: place)
        let read = try #require(try await reader.load())
        #expect(read.lineage == state.lineage)
        #expect(read.serial == 2)
        #expect(read.endpoint == "https://crm.example/api")
        #expect(read.tasks == second.tasks)
        #expect(read.tasks["a/one"]?.applied["Name"] == .string("é \"quoted\" \\ ✓"))
        #expect(read.tasks["a/one"]?.history.map(\.id) == [1])
        #expect(read.tasks["a/one"]?.lastState == "Started")
        #expect(read.scheduled == ["b/later": "2026-12-01T10:00:00Z", "a/later": "2026-12-01T11:00:00Z"])
        await reader.close()

        // A registration that ends (its first run started) is removed, and only it.
        let writer = try Self.backend(kind, place: place)
        let again = try await writer.load()
        let lockAgain = try await writer.lock(sets: nil, operation: "test", timeout: .zero)
        var third = try #require(again)
        third.scheduled["a/later"] = nil
        _ = try await writer.save(third)
        await lockAgain.release()
        await writer.close()
        let last = try Self.backend(kind, place: place)
        #expect(try await last.load()?.scheduled == ["b/later": "2026-12-01T10:00:00Z"])
        await last.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func pendingRunsAndRunContextsAreSavedByDifferenceAndReadBack(kind: BackendKind) async throws {
        let place = Self.place()
        let backend = try Self.backend(kind, place: place)
        let lock = try await backend.lock(sets: nil, operation: "test", timeout: .zero)
        let waiting = PendingRun(slot: "2026-12-02T01:00:00Z", waitsFor: ["a/one"], since: "2026-12-02T01:00:04Z", start: .run)
        let byHand = PendingRun(slot: nil, waitsFor: ["a/one", "b/one"], since: "2026-12-02T09:30:00Z", start: .create)
        var state = State.new(endpoint: "https://crm.example/api")
        var ran = Self.entry(1)
        ran.runContext = RunContext(slot: "2026-12-02T02:00:00+01:00", previousSlot: "2026-12-01T02:00:00+01:00",
                                    lastSucceededSlot: "2026-11-30T02:00:00+01:00", attempt: 2)
        state.tasks = ["a/one": ran]
        state.pending = ["a/two": [waiting, byHand], "b/one": [byHand]]
        state = try await backend.save(state)
        // A pending run that started leaves its list; a list that empties leaves the state.
        state.pending["a/two"] = [byHand]
        state.pending["b/one"] = nil
        state = try await backend.save(state)
        await lock.release()
        await backend.close()

        let reader = try Self.backend(kind, place: place)
        let read = try #require(try await reader.load())
        #expect(read.pending == ["a/two": [byHand]])
        #expect(read.tasks["a/one"]?.runContext == ran.runContext)
        #expect(read == state)
        await reader.close()

        // A copy carries them too.
        let copyPlace = Self.place()
        let target = try Self.backend(kind, place: copyPlace)
        try await target.copyIn(state)
        #expect(try await Self.backend(kind, place: copyPlace).load()?.pending == ["a/two": [byHand]])
        await target.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aPendingRunBelongsToItsAddresssSet() async throws {
        let place = Self.place()
        let backend = try Self.backend(.postgres, place: place)
        let lock = try await backend.lock(sets: ["a"], operation: "test", timeout: .zero)
        var state = State.new(endpoint: "https://crm.example/api")
        state.pending = ["b/later": [PendingRun(slot: nil, waitsFor: ["a/one"], since: "2026-12-02T09:30:00Z", start: .create)]]
        let refused = await #expect(throws: StateError.self) { try await backend.save(state) }
        #expect(refused?.message.contains("changed b") == true, "\(refused?.message ?? "")")
        state.pending = ["a/later": [PendingRun(slot: nil, waitsFor: ["a/one"], since: "2026-12-02T09:30:00Z", start: .create)]]
        _ = try await backend.save(state)
        await lock.release()
        await backend.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func aSecondWriterOnTheSameSetsWaitsThenFailsNamingTheHolder(kind: BackendKind) async throws {
        let place = Self.place()
        let first = try Self.backend(kind, place: place)
        let second = try Self.backend(kind, place: place)
        let held = try await first.lock(sets: ["a"], operation: "apply", timeout: .zero)
        let error = await #expect(throws: StateError.self) {
            _ = try await second.lock(sets: ["a", "b"], operation: "destroy", timeout: .milliseconds(300))
        }
        #expect(error?.isLocked == true)
        #expect(error?.holder == held.info)
        #expect(error?.message.contains("batchctl state unlock \(held.info.id)") == true, "\(String(describing: error))")
        let reading = await #expect(throws: StateError.self) { try await second.checkUnlocked(sets: nil) }
        #expect(reading?.isLocked == true)
        await held.release()
        let after = try await second.lock(sets: ["a", "b"], operation: "destroy", timeout: .zero)
        await after.release()
        await first.close()
        await second.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func writersOnDifferentSetsOfOneWorkspaceRunAtOnceAndNeitherLosesTheOthersWork() async throws {
        let place = Self.place()
        let alpha = try Self.backend(.postgres, place: place)
        let beta = try Self.backend(.postgres, place: place)
        let lockA = try await alpha.lock(sets: ["alpha"], operation: "apply", timeout: .zero)
        let lockB = try await beta.lock(sets: ["beta"], operation: "apply", timeout: .zero)
        #expect(try await alpha.load() == nil)
        #expect(try await beta.load() == nil)
        var stateA = State.new(endpoint: "embedded")
        var stateB = State.new(endpoint: "embedded")
        stateA.tasks["alpha/x"] = Self.entry(1)
        stateB.tasks["beta/y"] = Self.entry(2)
        stateA = try await alpha.save(stateA)
        stateB = try await beta.save(stateB)
        #expect(stateB.lineage == stateA.lineage, "the second first run joins the workspace the first one made")
        stateA.tasks["alpha/z"] = Self.entry(3)
        stateA = try await alpha.save(stateA)
        // A run may not write a set it does not hold.
        stateB.tasks["alpha/intruder"] = Self.entry(9)
        let outside = await #expect(throws: StateError.self) { _ = try await beta.save(stateB) }
        #expect(outside?.message.contains("changed alpha") == true, "\(String(describing: outside))")
        await lockA.release()
        await lockB.release()
        let reader = try Self.backend(.postgres, place: place)
        let read = try #require(try await reader.load())
        #expect(read.tasks.keys.sorted() == ["alpha/x", "alpha/z", "beta/y"])
        for backend in [alpha, beta, reader] { await backend.close() }
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aRunWhoseLeaseRanOutCannotOverwriteTheRunThatTookItsSets() async throws {
        let server = try PostgresServer.shared()
        let place = Self.place()
        let slow = try Self.backend(.postgres, place: place)
        let lock = try await slow.lock(sets: ["a"], operation: "apply", timeout: .zero)
        var state = try await slow.load() ?? State.new(endpoint: "embedded")
        state.tasks["a/one"] = Self.entry(1)
        state = try await slow.save(state)
        // The slow run's process hangs past its lease (as if its renewals stopped); another run takes the set.
        _ = try server.psql("UPDATE s_\(place).locks SET expires_at = now() - interval '1 second' WHERE lock_id = '\(lock.info.id)'")
        let other = try Self.backend(.postgres, place: place)
        let otherLock = try await other.lock(sets: ["a"], operation: "apply", timeout: .zero)
        var otherState = try #require(try await other.load())
        otherState.tasks["a/two"] = Self.entry(2)
        _ = try await other.save(otherState)
        state.tasks["a/three"] = Self.entry(3)
        let lost = await #expect(throws: StateError.self) { _ = try await slow.save(state) }
        #expect(lost?.isLocked == true)
        #expect(lost?.message.contains("ran out or was removed") == true, "\(String(describing: lost))")
        await otherLock.release()
        let read = try #require(try await other.load())
        #expect(read.tasks.keys.sorted() == ["a/one", "a/two"], "the run that lost its lock wrote nothing")
        await lock.release()
        await slow.close()
        await other.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func aJournalLeftByARunThatDiedIsHandedToTheNextWriterAndRemovedWithItsOwn(kind: BackendKind) async throws {
        let place = Self.place()
        let dead = try Self.backend(kind, place: place)
        let deadLock = try await dead.lock(sets: ["a"], operation: "apply", timeout: .zero)
        let journal = try await dead.openJournal(for: deadLock)
        try await journal.append(.intent(sequence: 1, action: .create, address: "a/one", id: nil, fingerprint: nil, at: Timestamp.now()))
        try await journal.append(.outcome(sequence: 1, address: "a/one", result: .created(Self.entry(7))))
        try await journal.append(.intent(sequence: 2, action: .create, address: "a/two", id: nil, fingerprint: nil, at: Timestamp.now()))
        try await journal.sync()
        // The run dies: its lock goes (a kill leaves a stale lock, which the next run takes over), its journal stays.
        await deadLock.release()

        let next = try Self.backend(kind, place: place)
        let lock = try await next.lock(sets: ["a"], operation: "apply", timeout: .zero)
        let records = try await next.readJournal(for: lock)
        #expect(records.map(\.address) == ["a/one", "a/one", "a/two"])
        var state = State.new(endpoint: "embedded")
        let unresolved = JournalReplay.apply(records, to: &state)
        #expect(state.tasks["a/one"]?.id == 7)
        #expect(unresolved.map(\.address) == ["a/two"])
        _ = try await next.save(state)
        try await next.removeJournal(for: lock)
        #expect(try await next.readJournal(for: lock).isEmpty)
        await lock.release()
        await dead.close()
        await next.close()
    }

    /// Outcomes need not be committed when `append` returns, but an intent that returned was committed with all
    /// that came before it: a run that dies right after leaves each address's records whole and in order.
    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func anIntentThatReturnedIsDurableWithEveryRecordBeforeItInOrder(kind: BackendKind) async throws {
        let place = Self.place()
        let dead = try Self.backend(kind, place: place)
        let deadLock = try await dead.lock(sets: ["a"], operation: "apply", timeout: .zero)
        let journal = try await dead.openJournal(for: deadLock)
        let addresses = (1...32).map { "a/task-\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, address) in addresses.enumerated() {
                group.addTask {
                    let first = index * 2 + 1, id = Int32(index * 10)
                    try await journal.append(.intent(sequence: first, action: .create, address: address, id: nil, fingerprint: nil, at: Timestamp.now()))
                    try await journal.append(.outcome(sequence: first, address: address, result: .created(Self.entry(id + 1))))
                    try await journal.append(.intent(sequence: first + 1, action: .update, address: address, id: id + 1, fingerprint: nil, at: Timestamp.now()))
                    try await journal.append(.outcome(sequence: first + 1, address: address, result: .updated(Self.entry(id + 2))))
                }
            }
            try await group.waitForAll()
        }
        // The last record is an intent: once it returns, the run may die without a sync and lose none of the above.
        try await journal.append(.intent(sequence: 100, action: .create, address: "a/last", id: nil, fingerprint: nil, at: Timestamp.now()))
        await deadLock.release()

        let next = try Self.backend(kind, place: place)
        let lock = try await next.lock(sets: ["a"], operation: "apply", timeout: .zero)
        let records = try await next.readJournal(for: lock)
        #expect(records.count == addresses.count * 4 + 1)
        for address in addresses {
            let kinds = records.filter { $0.address == address }.map { record -> String in
                if case .intent = record { return "intent" } else { return "outcome" }
            }
            #expect(kinds == ["intent", "outcome", "intent", "outcome"], "\(address): \(kinds)")
        }
        var state = State.new(endpoint: "embedded")
        let unresolved = JournalReplay.apply(records, to: &state)
        #expect(unresolved.map(\.address) == ["a/last"])
        for (index, address) in addresses.enumerated() {
            #expect(state.tasks[address]?.id == Int32(index * 10 + 2), "\(address) holds its last outcome")
        }
        await lock.release()
        await dead.close()
        await next.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func aCopyKeepsLineageSerialAndEntriesAndNeverOverwrites(kind: BackendKind) async throws {
        let source = try Self.backend(kind == .file ? .postgres : .file, place: Self.place())
        let lock = try await source.lock(sets: nil, operation: "test", timeout: .zero)
        var state = State.new(endpoint: "embedded")
        state.tasks = ["a/one": Self.entry(1), "b/two": Self.entry(2)]
        state = try await source.save(state)
        state = try await source.save(state)
        await lock.release()

        let place = Self.place()
        let target = try Self.backend(kind, place: place)
        try await target.copyIn(state)
        let copied = try #require(try await Self.backend(kind, place: place).load())
        #expect(copied.lineage == state.lineage && copied.serial == state.serial && copied.tasks == state.tasks)
        let again = await #expect(throws: StateError.self) { try await target.copyIn(state) }
        #expect(again?.isConflict == true)
        await source.close()
        await target.close()
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func twoProcessesMigratingAtOnceMakeTheSchemaOnce() async throws {
        let server = try PostgresServer.shared()
        let schema = "m_" + Self.place()
        let url = server.url(schema: schema)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let backend = PostgresStateBackend(location: try PostgresLocation(url, environment: [:]))
                    _ = try await backend.load()
                    await backend.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(try server.psql("SELECT count(*) FROM \(schema).schema_migrations") == "5\n", "every migration once")
        #expect(try server.psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == "0\n")
    }

    @Test func aURLIsReadAndItsPasswordIsNeverShown() throws {
        let location = try PostgresLocation("postgres://team:s3cr%40t@db.example:6543/batch?schema=crm", environment: [:])
        #expect(location.description == "postgres://team@db.example:6543/batch?schema=crm")
        #expect(!location.description.contains("s3cr"))
        let fromEnvironment = try PostgresLocation("postgresql://team@db.example/batch", environment: ["PGPASSWORD": "pw"])
        #expect(fromEnvironment.port == 5432 && fromEnvironment.schema == "batchctl")
        for bad in ["postgres://db.example/batch", "postgres://u@db.example", "postgres://u@h/d?schema=public",
                    "postgres://u:secret@h:99999/d", "postgres://u@h/d?schema=Bad-Name", "postgres://u@h/d?color=red"] {
            let error = #expect(throws: StateError.self) { _ = try PostgresLocation(bad, environment: [:]) }
            #expect(error?.message.contains("secret") == false)
        }
    }
}
