import Foundation
import JSON
import Testing

/// `${run.*}` end to end: the real binary against `batchctl serve`, with a fake clock (`BATCHCTL_NOW`). Each run of a
/// scheduled task is sent its own slot and the slot before it; `plan` stays quiet between runs.
@Suite(.serialized) struct RunContextTests {
    private func project(_ tasks: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks,
        ])
    }

    private static let hourly = """
          - key: hourly
            Name: Hourly
            Description: since ${default(run.previousSlot, "the start")}
            ParameterObject: {slot: "${run.slot}", attempt: "${run.attempt}", region: eu}
            run: {when: schedule, schedule: "0 * * * *", timeZone: Europe/Berlin}

        """

    @Test func twoRunsOfAnHourlyTaskCarryTheirOwnSlots() async throws {
        let directory = try project(Self.hourly)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func run(_ arguments: [String], at time: String) throws -> BinaryRunner.Outcome {
            let outcome = try BinaryRunner.run(arguments, in: directory.path,
                                               environment: server.environment.merging(["BATCHCTL_NOW": time]) { $1 })
            #expect(outcome.status == 0, "\(arguments) at \(time): \(outcome.stdout)\(outcome.stderr)")
            return outcome
        }
        let render = try run(["render", "-o", "json"], at: "2030-01-01T00:30:00Z")
        let shown = try JSONValue.parse(render.stdout).arrayValue?.first?["task"]
        #expect(shown?["Description"]?.stringValue == "(known at run time)", "\(render.stdout)")
        #expect(shown?["ParameterObject"]?.stringValue == "(known at run time)", "\(render.stdout)")
        #expect(shown?["Name"]?.stringValue == "Hourly")

        _ = try run(["apply", "--auto-approve"], at: "2030-01-01T00:30:00Z")
        _ = try run(["run", "--due"], at: "2030-01-01T01:00:30Z")
        #expect(try run(["plan"], at: "2030-01-01T01:10:00Z").stdout.contains("No changes."))
        _ = try run(["run", "--due"], at: "2030-01-01T02:00:30Z")
        let plan = try run(["plan"], at: "2030-01-01T02:10:00Z")
        #expect(plan.stdout.contains("No changes."), "\(plan.stdout)")

        let tasks = try await RawHTTP(server).allTasks().filter { $0["Name"]?.stringValue == "Hourly" }
        #expect(tasks.count == 2)
        #expect(tasks.first?["ParameterObject"]?["slot"]?.stringValue == "2030-01-01T02:00:00+01:00")
        #expect(tasks.first?["Description"]?.stringValue == "since the start")
        #expect(tasks.last?["ParameterObject"]?["slot"]?.stringValue == "2030-01-01T03:00:00+01:00")
        #expect(tasks.last?["ParameterObject"]?["attempt"]?.stringValue == "1")
        #expect(tasks.last?["Description"]?.stringValue == "since 2030-01-01T02:00:00+01:00")

        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let recorded = state["tasks"]?["jobs/hourly"]?["run"]
        #expect(recorded?["slot"]?.stringValue == "2030-01-01T03:00:00+01:00")
        #expect(recorded?["previousSlot"]?.stringValue == "2030-01-01T02:00:00+01:00")
    }

    @Test func aTaskRunByApplyIsComparedAsItWasSent() async throws {
        let directory = try project("""
              - key: once
                Name: Once
                ParameterObject: {startedFor: "${run.slot}", version: "1"}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment).status == 0)
        let quiet = try BinaryRunner.run(["plan"], in: directory.path, environment: server.environment)
        #expect(quiet.stdout.contains("No changes."), "\(quiet.stdout)\(quiet.stderr)")
        let sent = try await RawHTTP(server).allTasks().first { $0["Name"]?.stringValue == "Once" }
        let slot = try #require(sent?["ParameterObject"]?["startedFor"]?.stringValue)
        #expect(slot.hasSuffix("Z") && slot.count == 20, "the time it was started, in UTC: \(slot)")

        // A changed template is a change; the slot the run was sent is kept in what the plan shows.
        let manifest = directory.path + "/sets/jobs.yaml"
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "version: \"1\"", with: "version: \"2\"")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let changed = try BinaryRunner.run(["plan"], in: directory.path, environment: server.environment)
        #expect(changed.stdout.contains("1 to replace") || changed.stdout.contains("1 to update"), "\(changed.stdout)")
        #expect(changed.stdout.contains(slot), "\(changed.stdout)")
    }

    @Test func anUnknownRunMemberIsAnErrorAtItsPosition() throws {
        let directory = try project("""
              - key: bad
                Name: x-${run.foo}

            """)
        let render = try BinaryRunner.run(["render"], in: directory.path)
        #expect(render.status != 0)
        #expect(render.stderr.contains("sets/jobs.yaml:6:19: error: unknown name 'run.foo'"), "\(render.stderr)")
        #expect(render.stderr.contains("run.slot, run.previousSlot, run.lastSucceededSlot and run.attempt"), "\(render.stderr)")
    }
}
