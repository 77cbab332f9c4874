import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import State
import Testing
@testable import Planning

/// Adopting a live task into the state.
@Suite struct ImportTests: PlanningFixtures {
    @Test func theEntryRecordsTheLiveValuesOfTheFieldsTheManifestSets() throws {
        let desired = task("a", name: "Wanted", secret: "s3cret")
        var server = BatchTaskInfo()
        server.id = 42
        server.name = "As found"
        server.request = "live secret"
        server.description = "not in the manifest"
        let entry = Import.entry(for: desired, id: 42, live: server, at: "2026-11-30T08:00:00Z", secrets: .unkeyed)
        let applied: JSONValue = .object(["Name": "As found", "Request": Fingerprint.sensitiveMarker(for: "live secret")])
        #expect(entry.applied == applied)
        #expect(!entry.applied.serialized().contains("live secret"))
        #expect(entry.fingerprint == Fingerprint.of(applied))
        #expect(entry.id == 42 && entry.appliedAt == "2026-11-30T08:00:00Z" && entry.source == "s.yaml:1:1")

        // The next plan shows how the task differs from the manifest: the name, not the secret it cannot see.
        var managed = State.new(endpoint: "http://x")
        managed.tasks["s/a"] = entry
        let differs = try plan([desired], state: managed)
        #expect(differs.actions.map(\.kind) == [.replace])
        #expect(differs.actions.first?.changes.map(\.field) == [.name, .request])
        let same = Import.entry(for: desired, id: 42, live: desired.info, at: "2026-11-30T08:00:00Z", secrets: .unkeyed)
        managed.tasks["s/a"] = same
        #expect(try !plan([desired], state: managed).hasChanges)
    }

    private func imported(_ key: String, id: Int32, live: BatchTaskInfo) -> ResolvedImport {
        ResolvedImport(address: "s/\(key)", id: id, live: live, location: SourceLocation(file: "s.yaml", line: 9, column: 5))
    }

    private func planImporting(_ desired: [DesiredTask], _ imports: [ResolvedImport], state: State?,
                               live: [Int32: BatchTaskInfo]? = nil) throws -> Plan {
        try Planner.plan(desired: desired, imports: imports, state: state, live: live, options: PlanOptions(endpoint: "http://x"))
    }

    @Test func anIdenticalTaskIsOnlyImported() throws {
        let wanted = task("a", name: "Wanted", description: "d")
        for live in [nil, [Int32: BatchTaskInfo]()] {
            let result = try planImporting([wanted], [imported("a", id: 42, live: wanted.info)], state: nil, live: live)
            #expect(result.actions == [PlannedAction(address: "s/a", kind: .import, id: 42)])
            #expect(result.summaryLine == "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 to move, 1 to import.")
            #expect(result.drift.isEmpty)
        }
    }

    @Test func whatDiffersFollowsAsAnUpdateOrAReplace() throws {
        let wanted = [task("a", name: "Wanted", description: "d"), task("b", name: "B", database: "2")]
        var a = wanted[0].info
        a.description = "by hand"
        var b = wanted[1].info
        b.databaseSerialNumber = "1"
        let result = try planImporting(wanted, [imported("a", id: 42, live: a), imported("b", id: 43, live: b)], state: nil)
        #expect(result.actions.map { "\($0.kind.rawValue) \($0.address) \($0.id ?? 0)" }
                == ["import s/a 42", "import s/b 43", "update s/a 42", "replace s/b 43"])
        #expect(result.actions[2].changes == [FieldChange(field: .description, before: "by hand", after: "d")])
        #expect(result.summaryLine == "Plan: 0 to create, 1 to update, 1 to replace, 0 to delete, 0 to move, 2 to import.")
    }

    @Test func anAddressTheStateHasIsLeftAloneAndAnOwnedIdIsRefused() throws {
        let wanted = [task("a"), task("b")]
        let managed = state([wanted[0]], firstID: 42)
        let done = try planImporting([wanted[0]], [imported("a", id: 7, live: wanted[0].info)], state: managed)
        #expect(done.actions.map(\.kind) == [.noop])
        do {
            _ = try planImporting(wanted, [imported("b", id: 42, live: wanted[1].info)], state: managed)
            Issue.record("a task another address owns was imported")
        } catch let error as PlanningError {
            #expect(error.problems == [PlanningError.Problem("cannot import task 42 to s/b: it is already managed as s/a",
                                             at: SourceLocation(file: "s.yaml", line: 9, column: 5))])
        }
    }

    @Test func anImportNotReadFromTheAPIIsNeverACreate() throws {
        var options = PlanOptions(endpoint: "http://x")
        options.awaitingImport = ["s/a"]
        let result = try Planner.plan(desired: [task("a"), task("b")], state: nil, live: nil, options: options)
        #expect(result.actions.map { "\($0.kind.rawValue) \($0.address) \($0.id.map(String.init) ?? "-")" } == ["import s/a -", "create s/b -"])
    }

    @Test func aSavedPlanCarriesImportsAndWhatFollowsThem() throws {
        let wanted = task("a", name: "Wanted", description: "d")
        var live = wanted.info
        live.description = "by hand"
        var original = try planImporting([wanted], [imported("a", id: 42, live: live)], state: nil)
        original.manifestDigest = Planner.digest([wanted])
        let json = PlanDocument.json(original, saved: true)
        #expect(json["summary"]?["import"] == 1)
        #expect(json["actions"]?[0]?["action"] == "import")
        let read = try SavedPlan.read(json.serializedBytes(pretty: true), path: "p.json")
        #expect(read.actions == original.actions)
        try SavedPlan.verify(read, path: "p.json", state: nil, desired: [wanted], endpoint: "http://x")
        // Against a state that has the address meanwhile, the import names a task it does not hold there.
        var edited = read
        edited.actions[0].id = 43
        #expect(throws: PlanFileError.self) { try SavedPlan.checkOwnership(edited, path: "p.json", state: self.state([wanted], firstID: 42)) }
    }
}
