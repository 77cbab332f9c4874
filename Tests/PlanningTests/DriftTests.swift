import BatchTask
import DesiredTasks
import JSON
import State
import Testing
@testable import Planning

/// One drift report for `drift` and for a refreshed plan.
@Suite struct DriftTests: PlanningFixtures {
    /// Three applied tasks: on the server, a was changed by hand, b is gone and c is as applied.
    var tasks: [DesiredTask] { [task("a", description: "d"), task("b"), task("c", description: "keep")] }
    var managed: State { state(tasks) }
    var server: [Int32: BatchTaskInfo] {
        var server = live(tasks, in: managed)
        server[100]?.description = "changed by hand"
        server[100]?.state = .started  // runtime fields never count as drift
        server[100]?.progressPercent = 50
        server[101] = nil
        return server
    }

    @Test func reportsModifiedAndMissingTasksByAddress() {
        let report = Drift.report(entries: managed.tasks, live: server, desired: tasks, secrets: .unkeyed)
        #expect(report.items == [
            DriftItem(address: "s/a", id: 100, kind: .modified,
                      changes: [FieldChange(field: .description, before: "d", after: "changed by hand")]),
            DriftItem(address: "s/b", id: 101, kind: .missing, changes: []),
        ])
        #expect(report.modified == 1 && report.missing == 1 && report.managed == 3)
    }

    @Test func itemsAreSortedByAddress() {
        let many = (0..<40).map { task("t\($0)") }
        let report = Drift.report(entries: state(many).tasks, live: [:], desired: many, secrets: .unkeyed)
        #expect(report.items.count == 40)
        #expect(report.items.map(\.address) == many.map(\.address).sorted())
    }

    @Test func ignoreChangesOfTheDesiredTaskIsHonoured() {
        var desired = tasks
        desired[0].lifecycle.ignoreChanges = [.description]
        let report = Drift.report(entries: managed.tasks, live: server, desired: desired, secrets: .unkeyed)
        #expect(report.items.map(\.address) == ["s/b"])
        // Without the manifests nothing is ignored.
        #expect(Drift.report(entries: managed.tasks, live: server, desired: [], secrets: .unkeyed).items.map(\.address) == ["s/a", "s/b"])
    }

    @Test func selectionLimitsTheItemsNotTheManagedCount() throws {
        let report = Drift.report(entries: managed.tasks, live: server, desired: tasks,
                                  selection: try TaskSelection(excludes: ["s/a"]), secrets: .unkeyed)
        #expect(report.items.map(\.address) == ["s/b"])
        #expect(report.managed == 3)
    }

    @Test func aChangedSecretShowsNeitherValue() {
        let secret = [task("a", secret: "one")]
        let managed = state(secret)
        var server = live(secret, in: managed)
        server[100]?.request = "two"
        let report = Drift.report(entries: managed.tasks, live: server, desired: secret, secrets: .unkeyed)
        #expect(report.items.first?.changes == [FieldChange(field: .request, before: "(sensitive)", after: "(sensitive, changed)")])
        #expect(Drift.report(entries: managed.tasks, live: live(secret, in: managed), desired: secret, secrets: .unkeyed).items.isEmpty)
    }

    @Test func theJSONFormIsTheDriftCommandsDocument() {
        let report = Drift.report(entries: managed.tasks, live: server, desired: tasks, secrets: .unkeyed)
        #expect(DriftDocument.json(report).serialized() == #"{"formatVersion":1,"managed":3,"drift":[{"address":"s/a","id":100,"kind":"modified","changes":[{"field":"Description","before":"d","after":"changed by hand"}]},{"address":"s/b","id":101,"kind":"missing","changes":[]}]}"#)
    }

    @Test func aRefreshedPlanCarriesTheSameReport() throws {
        let report = Drift.report(entries: managed.tasks, live: server, desired: tasks, secrets: .unkeyed)
        let result = try plan(tasks, state: managed, live: server)
        #expect(result.drift == report.items)
        #expect(PlanDocument.json(result)["drift"] == DriftDocument.json(report)["drift"])
    }
}
