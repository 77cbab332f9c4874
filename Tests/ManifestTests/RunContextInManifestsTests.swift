import BatchTask
import DesiredTasks
import Diagnostics
import JSON
import State
import Testing
@testable import Manifest

/// `${run.*}` in manifests: allowed in task fields only, evaluated when a run starts, errors at their position.
extension ManifestEngineTests {
    private static let context = RunContext(slot: "2030-01-01T02:00:00+01:00", previousSlot: "2030-01-01T01:00:00+01:00",
                                            lastSucceededSlot: nil, attempt: 2)

    @Test func aFieldThatUsesRunWaitsForTheRun() throws {
        let result = try expand("""
            tasks:
              - key: hourly-${r}
                matrix: {r: [eu]}
                Name: Hourly ${r}
                Description: since ${default(run.previousSlot, "start")}
                ParameterObject: {slot: "${run.slot}", region: "${r}", try: "${run.attempt}", ok: "${default(run.lastSucceededSlot, \\"none\\")}"}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/hourly-eu"))
        #expect(task.info.name == "Hourly eu")
        #expect(task.info.description == nil && task.info.parameterObject == nil)
        #expect(task.runTimeFields == [.parameterObject, .description])
        #expect(task.displayJSON["Description"] == .string(DesiredTask.runTimeMarker))
        #expect(task.displayJSON["ParameterObject"] == .string(DesiredTask.runTimeMarker))

        let sent = try task.forRun(Self.context)
        #expect(sent.runTime == nil)
        #expect(sent.info.name == "Hourly eu")
        #expect(sent.info.description == "since 2030-01-01T01:00:00+01:00")
        #expect(sent.info.parameterObject == .object(["slot": "2030-01-01T02:00:00+01:00", "region": "eu", "try": "2", "ok": "none"]))
    }

    @Test func aSecretInAFieldThatWaitsForTheRunIsStillTakenOutOfText() throws {
        let result = try expand("""
            tasks:
              - key: a
                Name: A
                ParameterObject: {slot: "${run.slot}", password: '${sensitive("hunter2-secret")}'}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/a"))
        #expect(task.secretTexts == ["hunter2-secret"])
        #expect(task.redacting("job Failed: login hunter2-secret refused") == "job Failed: login (sensitive) refused")
    }

    @Test func aTaskWithoutRunCarriesNothingForRuns() throws {
        let result = try expand("tasks:\n  - {key: a, Name: '${\"A\"}', Description: plain}\n")
        let task = try #require(result.task("s/a"))
        #expect(task.runTime == nil && task.runTimeFields.isEmpty)
        #expect(try task.forRun(Self.context).info == task.info)
    }

    @Test func anUnknownRunMemberNamesTheFourAtItsPosition() throws {
        let result = try expand("""
            tasks:
              - key: a
                Name: x-${run.foo}
            """)
        #expect(result.errors == [
            "set.yaml:7:19: error: unknown name 'run.foo'; a run knows run.slot, run.previousSlot, run.lastSucceededSlot and run.attempt",
        ])
    }

    @Test(arguments: [
        ("vars: {v: \"${run.slot}\"}\ntasks:\n  - {key: a, Name: \"${v}\"}\n", "set.yaml:5:"),
        ("tasks:\n  - {key: \"a-${run.attempt}\", Name: x}\n", "set.yaml:6:"),
        ("tasks:\n  - {key: a, Name: x, when: \"${run.attempt == 1}\"}\n", "set.yaml:6:"),
        ("tasks:\n  - {key: a, Name: x, dependsOn: \"${run.slot}\"}\n", "set.yaml:6:"),
        ("tasks:\n  - {key: a, Name: x, matrix: {m: [\"${run.slot}\"]}}\n", "set.yaml:6:"),
        ("tasks:\n  - {key: a, Name: x, run: {history: \"${run.attempt}\"}}\n", "set.yaml:6:"),
        ("tasks:\n  - {key: a, Name: x, lifecycle: {preventDestroy: \"${run.attempt == 1}\"}}\n", "set.yaml:6:"),
    ])
    func runOutsideTaskFieldsIsRefused(body: String, position: String) throws {
        let result = try expand(body)
        #expect(!result.errors.isEmpty)
        #expect(result.errors.first?.hasPrefix(position) == true, "\(result.errors)")
        #expect(result.errors.first?.contains("is known only when a run starts: use it in a task field") == true, "\(result.errors)")
    }

    @Test func aVarOrMatrixValueNamedRunKeepsItsMeaning() throws {
        let result = try expand("""
            vars: {run: {slot: mine}}
            tasks:
              - {key: a, Name: "${run.slot}"}
            """)
        #expect(result.errors == [])
        #expect(result.task("s/a")?.info.name == "mine")
        #expect(result.task("s/a")?.runTime == nil)
    }

    @Test func anErrorWhenTheRunStartsNamesTheExpression() throws {
        let result = try expand("""
            tasks:
              - key: a
                AssociateId: ${run.slot}
            """)
        #expect(result.errors == [])
        let task = try #require(result.task("s/a"))
        #expect(throws: Diagnostic.self) { try task.forRun(Self.context) }
        do {
            _ = try task.forRun(Self.context)
        } catch {
            #expect(error.description.hasPrefix("set.yaml:7:"), "\(error.description)")
        }
    }

    @Test func sensitiveValuesInARunTimeFieldStayRedacted() throws {
        let result = try expand("""
            tasks:
              - key: a
                ParameterObject: {token: "${sensitive(\\"s3cret\\")}", slot: "${run.slot}"}
            """)
        let task = try #require(result.task("s/a"))
        #expect(!task.displayJSON.serialized().contains("s3cret"))
        let sent = try task.forRun(Self.context)
        #expect(sent.info.parameterObject?["token"] == "s3cret")
        #expect(!sent.displayJSON.serialized().contains("s3cret"))
    }

    @Test func explainShowsARunTimeFieldAsKnownAtRunTime() throws {
        let result = try expand("tasks:\n  - {key: a, Description: 'at ${run.slot}'}\n") { $0.explain = "s/a" }
        let explanation = try #require(result.explanation)
        let field = try #require(explanation.fields.first { $0.path == "Description" })
        #expect(field.value == .string(DesiredTask.runTimeMarker))
        #expect(field.expression == "at ${run.slot}")
        #expect(field.inputs.map(\.name) == ["run.slot"])
    }
}
