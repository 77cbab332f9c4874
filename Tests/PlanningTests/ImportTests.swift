import BatchTask
import DesiredTasks
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
}
