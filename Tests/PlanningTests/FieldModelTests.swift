import BatchTask
import DesiredTasks
import JSON
import Schedule
import State
import Testing
@testable import Planning

/// What a real server changes (api.md v3) is never drift, never a change, never a reason to miss a task.
@Suite struct FieldModelTests: PlanningFixtures {
    private func withParameters(_ key: String, created: String? = nil) -> DesiredTask {
        var task = task(key, name: "Import \(key)", description: "d")
        task.info.parameterObject = .object(["region": "eu", "shard": "1", "kind": "import"])
        task.info.created = created
        return task
    }

    /// The server's answer for a task applied as `task`: the blob linked, the dictionary in another key order,
    /// dates in New York wall time with `-0500`, and the runtime fields moved on.
    private func asTheServerHoldsIt(_ task: DesiredTask, id: Int32) -> BatchTaskInfo {
        var info = task.info
        info.id = id
        info.detailsTable = 38
        info.detailsRecord = 9001
        info.parameterObject = .object(["shard": "1", "kind": "import", "region": "eu"])
        if let created = task.info.created, let date = DotNetDate(created) {
            // Created is always UTC on the server.
            info.created = date.converted(toOffsetMinutes: 0).text(.compact)
        }
        info.state = .succeeded
        info.lastStarted = "2026-01-15T04:00:00-0500"
        return info
    }

    @Test func theServersRewritesAreNoDrift() throws {
        let tasks = [withParameters("a", created: "2026-01-15T10:00:00+01:00"), withParameters("b")]
        let managed = state(tasks)
        var server: [Int32: BatchTaskInfo] = [:]
        for task in tasks {
            let id = try #require(managed.tasks[task.address]?.id)
            server[id] = asTheServerHoldsIt(task, id: id)
        }
        let report = Drift.report(entries: managed.tasks, live: server, desired: tasks, secrets: .unkeyed)
        #expect(report.items.isEmpty, "\(report.items)")
        let plan = try self.plan(tasks, state: try reread(managed), live: server)
        #expect(!plan.hasChanges, "\(plan.actions)")
    }

    @Test func aRealChangeIsStillDrift() throws {
        let tasks = [withParameters("a", created: "2026-01-15T10:00:00+01:00")]
        let managed = state(tasks)
        var changed = asTheServerHoldsIt(tasks[0], id: 100)
        changed.parameterObject = .object(["shard": "2", "kind": "import", "region": "eu"])
        changed.created = "2026-01-15T10:00:00Z"
        let report = Drift.report(entries: managed.tasks, live: [100: changed], desired: tasks, secrets: .unkeyed)
        #expect(Set(report.items.first?.changes.map(\.field) ?? []) == [.parameterObject, .created])
    }

    @Test func withoutParameterObjectTheDetailsFieldsAreTheManifests() throws {
        var plain = task("p", name: "Plain")
        plain.info.detailsTable = 7
        plain.info.detailsRecord = 1
        let managed = state([plain])
        var server = live([plain], in: managed)
        server[100]?.detailsRecord = 2
        let report = Drift.report(entries: managed.tasks, live: server, desired: [plain], secrets: .unkeyed)
        #expect(report.items.first?.changes.map(\.field) == [.detailsRecord])
    }

    @Test func aStateThatRecordedTheDetailsBesideAParameterObjectPlansNoReplace() throws {
        // Applied before the server's link was known: the state holds DetailsTable 7 and DetailsRecord 3 beside the
        // ParameterObject; the manifest no longer sets them, and the server holds its own.
        let desired = withParameters("a")
        var old = desired
        old.info.detailsTable = 7
        old.info.detailsRecord = 3
        let managed = state([old])
        let server = [Int32(100): asTheServerHoldsIt(desired, id: 100)]
        for state in [managed, try reread(managed)] {
            let plan = try self.plan([desired], state: state, live: server)
            #expect(!plan.hasChanges, "\(plan.actions)")
            let offline = try self.plan([desired], state: state)
            #expect(!offline.hasChanges, "\(offline.actions)")
        }
    }

    @Test func datesCompareAsInstantsInEveryForm() throws {
        let model = FieldModel(wallTimeZone: try #require(SuperOfficeTimeZone("US-NY")))
        let sent: JSONValue = "2018-12-24T12:34:45Z"
        for form in ["2018-12-24T12:34:45Z", "2018-12-24T13:34:45+01:00", "2018-12-24T07:34:45-0500",
                     "2018-12-24T07:34:45", "2018-12-24T07:34:45.0000000"] {
            #expect(model.same(.lastStarted, sent, .string(form)), "\(form)")
        }
        #expect(!model.same(.lastStarted, sent, "2018-12-24T12:34:45"))
        // Created is UTC on the server, whatever zone was asked for.
        #expect(model.same(.created, sent, "2018-12-24T12:34:45"))
        #expect(!model.same(.created, sent, "2018-12-24T07:34:45"))
        #expect(!model.same(.created, sent, "2018-12-24T12:34:46Z"))
        #expect(!model.same(.created, sent, "not a date"))
    }

    @Test func parameterObjectsCompareAsStringDictionaries() {
        let model = FieldModel.standard
        let sent: JSONValue = .object(["a": "1", "b": "True", "c": .null])
        #expect(model.same(.parameterObject, sent, .object(["c": .null, "b": "True", "a": "1"])))
        #expect(model.same(.parameterObject, sent, .object(["a": 1, "b": true, "c": .null])))
        #expect(!model.same(.parameterObject, sent, .object(["a": "1", "b": "True"])))
        #expect(!model.same(.parameterObject, sent, .object(["a": "2", "b": "True", "c": .null])))
        #expect(!model.same(.parameterObject, sent, .object(["a": "1", "b": "true", "c": .null])))
    }

    @Test func whatTheServerSetsIsNeverCompared() {
        let model = FieldModel.standard
        for field in [BatchTaskField.id, .lastStarted, .startCount, .result, .progressDescription, .progressPercent] {
            #expect(!model.isCompared(field, withParameterObject: false), "\(field)")
        }
        #expect(!model.isCompared(.detailsTable, withParameterObject: true))
        #expect(!model.isCompared(.detailsRecord, withParameterObject: true))
        #expect(model.isCompared(.detailsTable, withParameterObject: false))
        #expect(model.isCompared(.created, withParameterObject: true))
        #expect(model.isCompared(.description, withParameterObject: true))
    }
}
