import Foundation
import PostgresState
import PostgresTestSupport
import State
import Testing

/// A run that holds the lock of some task sets and saves a state it read before another run changed other sets: the
/// other run's work is kept. PostgreSQL locks and writes per set; the file has one lock, so the second run waits.
@Suite(.serialized) struct SetLockTests {
    static let skip = PostgresServer.missingPrerequisite

    private func entry(_ id: Int32, _ name: String = "Task") -> StateEntry { BackendSuiteTests.entry(id, name: name) }

    /// crm/x, ops/y and ops/z, saved under the lock of every set.
    private func seeded(_ kind: BackendKind, place: String) async throws {
        let backend = try BackendSuiteTests.backend(kind, place: place)
        let lock = try await backend.lock(sets: nil, operation: "seed", timeout: .zero)
        var state = State.new(endpoint: "embedded")
        state.tasks = ["crm/x": entry(1), "ops/y": entry(2), "ops/z": entry(3)]
        _ = try await backend.save(state)
        await lock.release()
        await backend.close()
    }

    /// ops's run: y renamed, z gone, w new.
    private func changeOps(_ backend: any StateBackend) async throws {
        var state = try #require(try await backend.load())
        state.tasks["ops/y"] = entry(2, "Renamed")
        state.tasks["ops/z"] = nil
        state.tasks["ops/w"] = entry(4)
        _ = try await backend.save(state)
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")), arguments: BackendKind.allCases)
    func aSaveOfOneSetKeepsWhatAnotherRunWroteToAnotherSet(kind: BackendKind) async throws {
        let place = BackendSuiteTests.place()
        try await seeded(kind, place: place)
        let crm = try BackendSuiteTests.backend(kind, place: place)
        let ops = try BackendSuiteTests.backend(kind, place: place)
        let crmLock = try await crm.lock(sets: ["crm"], operation: "apply", timeout: .zero)
        var crmState = try #require(try await crm.load())
        switch kind {
        case .postgres:
            // The two runs hold their sets at once; crm's copy of ops is stale by the time crm saves.
            let opsLock = try await ops.lock(sets: ["ops"], operation: "apply", timeout: .zero)
            #expect(opsLock.sets == ["ops"])
            try await changeOps(ops)
            await opsLock.release()
        case .file:
            // One lock for the whole file: ops waits until crm is done.
            #expect(crmLock.sets == nil, "the file's lock holds every set")
            let refused = await #expect(throws: StateError.self) {
                _ = try await ops.lock(sets: ["ops"], operation: "apply", timeout: .milliseconds(200))
            }
            #expect(refused?.isLocked == true)
        }
        crmState.tasks["crm/x"] = entry(1, "Changed")
        crmState.tasks["crm/v"] = entry(5)
        _ = try await crm.save(crmState)
        await crmLock.release()
        if kind == .file {
            let opsLock = try await ops.lock(sets: ["ops"], operation: "apply", timeout: .zero)
            try await changeOps(ops)
            await opsLock.release()
        }
        let reader = try BackendSuiteTests.backend(kind, place: place)
        let read = try #require(try await reader.load())
        #expect(read.tasks.keys.sorted() == ["crm/v", "crm/x", "ops/w", "ops/y"])
        #expect(read.tasks["crm/x"] == entry(1, "Changed"))
        #expect(read.tasks["ops/y"] == entry(2, "Renamed"))
        for backend in [crm, ops, reader] { await backend.close() }
    }

    @Test(.disabled(if: skip != nil, Comment(rawValue: skip ?? "")))
    func aLockOfNoSetWritesNothingButItsOwnSets() async throws {
        let place = BackendSuiteTests.place()
        try await seeded(.postgres, place: place)
        let backend = try BackendSuiteTests.backend(.postgres, place: place)
        // A selection that takes no set locks none, and may not write any.
        let lock = try await backend.lock(sets: [], operation: "apply", timeout: .zero)
        var state = try #require(try await backend.load())
        _ = try await backend.save(state)
        state.tasks["ops/y"] = nil
        let refused = await #expect(throws: StateError.self) { _ = try await backend.save(state) }
        #expect(refused?.message.contains("changed ops") == true, "\(String(describing: refused))")
        await lock.release()
        await backend.close()
    }
}
