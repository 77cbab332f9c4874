import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import State
import Testing
@testable import Planning

/// The planner as a pure function: desired tasks x state x live tasks -> actions.
@Suite struct PlannerTests: PlanningFixtures {
    @Test func createsWhatTheStateLacks() throws {
        let result = try plan([task("a"), task("b")], state: nil)
        #expect(result.actions.map(\.kind) == [.create, .create])
        #expect(result.summaryLine == "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.")
        #expect(result.actions[0].changes == [FieldChange(field: .name, before: nil, after: "N")])
    }

    @Test func nothingChangedIsNoChanges() throws {
        let tasks = [task("a", description: "d"), task("b")]
        let result = try plan(tasks, state: state(tasks))
        #expect(!result.hasChanges)
        #expect(result.summaryLine == "No changes.")
        #expect(result.actions.map(\.id) == [100, 101])
    }

    @Test func updatableFieldsUpdateInPlaceOthersReplace() throws {
        let before = [task("a", description: "old"), task("b", database: "1")]
        let after = [task("a", description: "new"), task("b", database: "2")]
        let result = try plan(after, state: state(before))
        #expect(result.actions.map(\.kind) == [.update, .replace])
        #expect(result.actions[0].changes == [FieldChange(field: .description, before: "old", after: "new")])
        #expect(result.actions[1].changes == [FieldChange(field: .databaseSerialNumber, before: "1", after: "2")])
    }

    @Test func removingAnUpdatableFieldIsAnUpdate() throws {
        let result = try plan([task("a")], state: state([task("a", description: "d")]))
        #expect(result.actions.map(\.kind) == [.update])
        #expect(result.actions[0].changes == [FieldChange(field: .description, before: "d", after: nil)])
    }

    @Test func ignoreChangesAndPreventDestroy() throws {
        let ignoring = Lifecycle(ignoreChanges: [.description])
        #expect(try !plan([task("a", description: "new", lifecycle: ignoring)], state: state([task("a", description: "old")])).hasChanges)
        let guarded = Lifecycle(preventDestroy: true)
        #expect(throws: PlanningError.self) {
            try plan([task("a", database: "2", lifecycle: guarded)], state: state([task("a", database: "1")]))
        }
        // An in-place update is allowed under preventDestroy.
        let update = try plan([task("a", description: "x", lifecycle: guarded)], state: state([task("a")]))
        #expect(update.actions.map(\.kind) == [.update])
    }

    @Test func orphansAreListedAndDeletedOnlyWithPrune() throws {
        let all = [task("a"), task("b"), task("c")]
        let kept = Array(all.prefix(2))
        let listed = try plan(kept, state: state(all))
        #expect(listed.orphans == [Orphan(address: "s/c", id: 102)])
        #expect(!listed.hasChanges)
        let pruned = try plan(kept, state: state(all)) { $0.prune = true }
        #expect(pruned.actions.filter { $0.kind == .delete }.map(\.address) == ["s/c"])
    }

    @Test func massDeleteIsGuarded() throws {
        let all = [task("a"), task("b"), task("c")]
        #expect(throws: PlanningError.self) { try plan([task("a")], state: state(all)) { $0.prune = true } }
        #expect(throws: PlanningError.self) { try plan([], state: state(all)) { $0.prune = true } }
        let allowed = try plan([task("a")], state: state(all)) { $0.prune = true; $0.allowMassDelete = true }
        #expect(allowed.count(.delete) == 2)
    }

    @Test func movesCarryTheEntryWithoutReplacing() throws {
        let old = task("old")
        let new = task("new")
        let result = try plan([new], state: state([old]), moves: [Move(from: "s/old", to: "s/new", location: SourceLocation(file: "s.yaml", line: 9, column: 3))])
        #expect(result.actions.map(\.kind) == [.move])
        #expect(result.actions[0].movedFrom == "s/old")
        #expect(result.actions[0].id == 100)
        #expect(result.orphans.isEmpty)
    }

    @Test func refreshFindsMissingAndDriftedTasks() throws {
        let tasks = [task("a", description: "d"), task("b"), task("c", description: "keep")]
        var changed = tasks[0].info
        changed.id = 100
        changed.description = "changed by hand"
        changed.state = .started  // runtime fields never count as drift
        changed.progressPercent = 50
        var same = tasks[2].info
        same.id = 102
        let live: [Int32: BatchTaskInfo] = [100: changed, 102: same]
        let result = try plan(tasks, state: state(tasks), live: live)
        #expect(result.actions.map(\.kind) == [.update, .create, .noop])
        #expect(result.actions[0].changes == [FieldChange(field: .description, before: "changed by hand", after: "d")])
        #expect(result.actions[0].reason == "changed outside batchctl: Description")
        #expect(result.actions[1].reason == "missing from the API (id 101 is gone)")
        #expect(result.drift.map(\.kind) == [.modified, .missing])
    }

    @Test func driftLeftAloneIsReportedButNotPlannedBack() throws {
        let tasks = [task("a", description: "d"), task("b"), task("c", description: "old")]
        var changed = tasks[0].info
        changed.id = 100
        changed.description = "changed by hand"
        var third = tasks[2].info
        third.id = 102
        third.description = "changed by hand too"
        let live: [Int32: BatchTaskInfo] = [100: changed, 102: third]
        // c's manifest changed as well: its update sends what the manifests say, drift and all.
        let edited = [tasks[0], tasks[1], task("c", description: "new")]
        let result = try plan(edited, state: state(tasks), live: live) { $0.revertsDrift = false }
        #expect(result.actions.map(\.kind) == [.noop, .update])
        #expect(result.actions.map(\.address) == ["s/a", "s/c"])
        #expect(result.actions[1].changes == [FieldChange(field: .description, before: "old", after: "new")])
        #expect(result.drift.map(\.address) == ["s/a", "s/b", "s/c"], "every drifted and missing task is reported")
    }

    @Test func secretsCompareByHashAndNeverShow() throws {
        let before = [task("a", secret: "one")]
        #expect(try !plan([task("a", secret: "one")], state: state(before)).hasChanges)
        let changed = try plan([task("a", secret: "two")], state: state(before))
        #expect(changed.actions.map(\.kind) == [.update])
        #expect(changed.actions[0].changes == [FieldChange(field: .request, before: "(sensitive)", after: "(sensitive)")])
        let stored = state(before).tasks["s/a"]?.applied.serialized() ?? ""
        #expect(!stored.contains("one"))
        let document = PlanDocument.json(changed, saved: true).serialized()
        #expect(!document.contains("\"one\"") && !document.contains("\"two\""))
    }

    @Test func targetsLimitTheScope() throws {
        var options = TaskSelection.everything
        options = try TaskSelection(targets: ["s/a*"])
        let selection = options
        let result = try plan([task("a1"), task("a2"), task("b")], state: nil) { $0.selection = selection }
        #expect(result.actions.map(\.address) == ["s/a1", "s/a2"])
    }

    @Test func savedPlansRoundTrip() throws {
        var result = try plan([task("a", description: "new"), task("b")], state: state([task("a", description: "old")]))
        result.manifestDigest = Planner.digest([task("a", description: "new"), task("b")])
        let decoded = try PlanDocument.decode(PlanDocument.json(result, saved: true))
        #expect(decoded.actions == result.actions)
        #expect(decoded.stateLineage == result.stateLineage)
        #expect(decoded.stateSerial == result.stateSerial)
        #expect(decoded.manifestDigest == result.manifestDigest && decoded.manifestDigest != nil)
        #expect(Planner.digest([task("a")]) != Planner.digest([task("a", description: "x")]))
    }

    @Test func canonicalFormIgnoresKeyOrderAndIntegralDoubles() {
        let a: JSONValue = .object(["x": 1, "y": .object(["b": 2, "a": 1])])
        let b: JSONValue = .object(["y": .object(["a": 1.0, "b": 2]), "x": 1])
        #expect(Fingerprint.canonical(a) == Fingerprint.canonical(b))
        #expect(Fingerprint.of(a) == Fingerprint.of(b))
        #expect(Fingerprint.of(a).hasPrefix("sha256:") && Fingerprint.of(a).count == 71)
    }

    @Test func aTasksRecordIsItsAppliedFieldsAndItsFingerprint() throws {
        var plain = task("a", description: "d")
        plain.info.parameterObject = .object(["z": 1, "a": .object(["y": "x", "b": 2])])
        var fractional = plain
        fractional.info.parameterObject = .object(["n": 5.0, "m": 2.5])
        for candidate in [plain, fractional, task("b", secret: "s3cret"), task("c")] {
            let record = candidate.record(.unkeyed)
            #expect(record.text == candidate.appliedRecord(.unkeyed).serializedBytes(sortedKeys: true))
            #expect(record.fingerprint == Fingerprint.of(task: candidate.info))
        }
        #expect(!String(decoding: task("b", secret: "s3cret").record(.unkeyed).text, as: UTF8.self).contains("s3cret"))
    }

    @Test func taskFingerprintIsTheFingerprintOfItsJSON() throws {
        var info = BatchTaskInfo()
        #expect(Fingerprint.of(task: info) == Fingerprint.of(info.json()))
        info.name = "Import \"EU\" shard 7 – ü"
        info.detailsRecord = -42
        info.isSystemTask = true
        info.state = .started
        info.parameterObject = .object(["z": 1.0, "a": .array([.object(["y": 2, "b": .null])]), "é": "x", "B": 2.5])
        #expect(Fingerprint.of(task: info) == Fingerprint.of(info.json()))
        // Known bytes, so a change to the canonical form (which would re-plan every task of a state) cannot pass unseen.
        #expect(Fingerprint.of(.object(["b": 1, "a": "x"])) == Fingerprint.sha256(Array(#"{"a":"x","b":1}"#.utf8)))
        #expect(Fingerprint.sha256([]) == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
