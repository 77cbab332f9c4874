import BatchTask
import Foundation
import JSON
import Testing

@testable import Emulator

@Suite struct JobTests {
    static func jobs(_ seconds: Double, failRate: Double = 0) -> EmulatorConfiguration {
        testConfiguration(jobs: JobConfiguration(durationSeconds: seconds, failRate: failRate))
    }

    @Test func aJobMovesThroughItsStatesByTheClock() async throws {
        let time = ManualClock()
        try await withServer(Self.jobs(10), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "timed", "CancellationBehaviour": "CanCancel"])
            let queued = try await client.task(id)
            #expect(queued.state == .new)
            #expect(queued.startCount == 0)
            #expect(queued.progressPercent == 0)
            #expect(queued.lastStarted == nil)

            time.advance(seconds: 1)  // the queue is a tenth of the duration
            let started = try await client.task(id)
            #expect(started.state == .started)
            #expect(started.startCount == 1)
            // The base zone (UTC by default) as wall time, without an offset and without a zero fraction.
            #expect(started.lastStarted == "2026-01-15T10:00:01")
            #expect(started.progressPercent == 0)

            time.advance(seconds: 4.5)
            let halfway = try await client.task(id)
            #expect(halfway.state == .started)
            #expect(halfway.progressPercent == 50)
            #expect(halfway.progressDescription == "Running: 50%")
            #expect(halfway.startCount == 1)

            time.advance(seconds: 4.5)
            let done = try await client.task(id)
            #expect(done.state == .succeeded)
            #expect(done.progressPercent == 100)
            #expect(done.startCount == 1)
            #expect(done.result == "Succeeded: the job ran for 10 s")
            #expect(done.lastStarted == started.lastStarted)
            #expect(try await client.get("/api/v1/BatchTask/Succeeded").json.arrayValue?.count == 1)
        }
    }

    @Test func listsAndFiltersSeeTheSameStateAsSingleReads() async throws {
        let time = ManualClock()
        try await withServer(Self.jobs(10), clock: time.clock) { client async throws in
            let early = try await client.create(["Name": "early"])
            time.advance(seconds: 5)
            let late = try await client.create(["Name": "late"])
            let started = try await client.get("/api/v1/BatchTask?$filter=State eq 'Started'").json
            #expect(started["value"]?.arrayValue?.compactMap { $0["PrimaryKey"]?.stringValue } == [String(early)])
            #expect(try await client.get("/api/v1/BatchTask/New").json.arrayValue?.compactMap { $0["Id"]?.intValue } == [Int64(late)])
            time.advance(seconds: 5)
            #expect(try await client.get("/api/v1/BatchTask/Succeeded").json.arrayValue?.compactMap { $0["Id"]?.intValue } == [Int64(early)])
            let all = try await client.get("/api/v1/BatchTask/All").json.arrayValue ?? []
            #expect(all.compactMap { $0["State"]?.stringValue } == ["Succeeded", "Started"])
            #expect(try await client.task(late).progressPercent == 44)
        }
    }

    @Test func aJobRunsOnTheRealClock() async throws {
        try await withServer(Self.jobs(0.3)) { client async throws in
            let posted = ContinuousClock.now
            let id = try await client.create(["Name": "quick"])
            let first = try await client.task(id)
            // Only meaningful when the machine answered within the job's duration.
            if ContinuousClock.now - posted < .milliseconds(250) { #expect(first.state != .succeeded) }
            let finished = try await eventually { try await client.task(id).state == .succeeded }
            #expect(finished)
            #expect(try await client.task(id).startCount == 1)
        }
    }

    @Test func durationZeroFinishesAtOnce() async throws {
        try await withServer(Self.jobs(0)) { client async throws in
            let id = try await client.create(["Name": "instant"])
            let task = try await client.task(id)
            #expect(task.state == .succeeded)
            #expect(task.startCount == 1)
            #expect(task.progressPercent == 100)
            #expect(task.lastStarted != nil)
            #expect(task.result?.hasPrefix("Succeeded") == true)
        }
    }

    /// api.md v2: Stop refuses only `CannotCancel`; `CancelWithWarning` and a task created without a behaviour
    /// (the carrier's default, `CanCancel`) are stopped too.
    @Test func stopEndsACancellableJobAndRefusesOthers() async throws {
        let time = ManualClock()
        try await withServer(Self.jobs(10), clock: time.clock) { client async throws in
            let cancellable = try await client.create(["Name": "c", "CancellationBehaviour": "CanCancel"])
            let stubborn = try await client.create(["Name": "s", "CancellationBehaviour": "CannotCancel"])
            let unspecified = try await client.create(["Name": "u"])
            let warned = try await client.create(["Name": "w", "CancellationBehaviour": "CancelWithWarning"])
            time.advance(seconds: 3)
            let stop = try await client.send(.POST, "/api/v1/BatchTask/\(cancellable)/Stop")
            #expect(stop.status == 200)
            #expect(stop.text == "true")
            let stopped = try await client.task(cancellable)
            #expect(stopped.state == .failed)
            #expect(stopped.result?.hasPrefix("Stopped: stopped by request at 2026-01-15T10:00:03") == true)
            #expect(stopped.progressPercent == 22)
            // Still running, all three: only CannotCancel refuses.
            #expect(try await client.send(.POST, "/api/v1/BatchTask/\(stubborn)/Stop").text == "false")
            #expect(try await client.task(stubborn).state == .started)
            #expect(try await client.task(unspecified).cancellationBehaviour == "CanCancel")
            for id in [unspecified, warned] {
                #expect(try await client.send(.POST, "/api/v1/BatchTask/\(id)/Stop").text == "true")
                let task = try await client.task(id)
                #expect(task.state == .failed)
                #expect(task.result?.hasPrefix("Stopped: stopped by request") == true)
            }
            time.advance(seconds: 20)
            #expect(try await client.task(cancellable).state == .failed)
            // A finished job cannot be stopped.
            #expect(try await client.send(.POST, "/api/v1/BatchTask/\(cancellable)/Stop").text == "false")
            #expect(try await client.task(stubborn).state == .succeeded)
        }
    }

    @Test func theFailFlagFailsAJob() async throws {
        try await withServer(Self.jobs(0)) { client async throws in
            let flagged = try await client.create(["Name": "f", "ParameterObject": ["fail": true]])
            let reason = try await client.create(["Name": "r", "ParameterObject": ["fail": "disk full"]])
            let notReally = try await client.create(["Name": "n", "ParameterObject": ["fail": false]])
            let failed = try await client.task(flagged)
            #expect(failed.state == .failed)
            #expect(failed.result?.contains("\"fail\": true") == true)
            #expect(try await client.task(reason).result == "Failed: disk full")
            #expect(try await client.task(notReally).state == .succeeded)
        }
    }

    @Test func theFailRateFailsJobsAsDrawnFromTheSeed() async throws {
        let all = try await withServer(Self.jobs(0, failRate: 1)) { client async throws in
            try await client.task(try await client.create(["Name": "x"]))
        }
        #expect(all.state == .failed)
        #expect(all.result?.contains("fail rate") == true)

        func outcomes(seed: UInt64) async throws -> [String] {
            var configuration = Self.jobs(0, failRate: 0.5)
            configuration.faults.seed = seed
            return try await withServer(configuration) { client async throws in
                var states: [String] = []
                for n in 0..<20 { states.append(try await client.task(try await client.create(["Name": .string("\(n)")])).state?.rawValue ?? "") }
                return states
            }
        }
        let first = try await outcomes(seed: 42)
        #expect(try await outcomes(seed: 42) == first)
        #expect(first.contains("Failed") && first.contains("Succeeded"))
    }

    @Test func puttingNewRunsTheJobAgainAndOtherStatesEndIt() async throws {
        let time = ManualClock()
        try await withServer(Self.jobs(10), clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "again"])
            time.advance(seconds: 10)
            #expect(try await client.task(id).state == .succeeded)
            let requeued = try await client.send(.PUT, "/api/v1/BatchTask/\(id)", body: #"{"State": "New"}"#).task
            #expect(requeued.state == .new)
            #expect(requeued.result == nil)
            time.advance(seconds: 10)
            let rerun = try await client.task(id)
            #expect(rerun.state == .succeeded)
            #expect(rerun.startCount == 2)

            let other = try await client.create(["Name": "manual"])
            time.advance(seconds: 2)
            _ = try await client.send(.PUT, "/api/v1/BatchTask/\(other)", body: #"{"State": "Aquired"}"#)
            time.advance(seconds: 60)
            #expect(try await client.task(other).state == .aquired)
        }
    }

    @Test func jobsKeepRunningWhileNoServerDoes() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = testConfiguration(databasePath: directory.appendingPathComponent("jobs.sqlite").path, jobs: JobConfiguration(durationSeconds: 10))
        let time = ManualClock()
        let id = try await withServer(configuration, clock: time.clock) { client async throws in
            let id = try await client.create(["Name": "survivor"])
            time.advance(seconds: 4)
            #expect(try await client.task(id).state == .started)
            return id
        }
        time.advance(seconds: 100)
        // A restart with another duration does not change a job already planned.
        var restarted = configuration
        restarted.jobs.durationSeconds = 1000
        try await withServer(restarted, clock: time.clock) { client async throws in
            let task = try await client.task(id)
            #expect(task.state == .succeeded)
            #expect(task.result == "Succeeded: the job ran for 10 s")
            #expect(task.startCount == 1)
        }
    }

    @Test func theLifecycleIsAPureFunctionOfTime() {
        let planner = JobPlanner(configuration: JobConfiguration(durationSeconds: 1), random: RandomSource(seed: 1))
        var task = StoredTask(info: BatchTaskInfo(), job: nil)
        planner.start(&task, now: 0)
        var again = task
        JobLifecycle.advance(&task, to: 6_000_000)
        JobLifecycle.advance(&task, to: 6_000_000)
        JobLifecycle.advance(&again, to: 6_000_000)
        #expect(task == again)
        #expect(task.info.progressPercent == 55)
        #expect(JobPlanner.requestedFailure(["fail": "TRUE"]) != nil)
        #expect(JobPlanner.requestedFailure(["fail": 0]) == nil)
        #expect(JobPlanner.requestedFailure(nil) == nil)
    }
}
