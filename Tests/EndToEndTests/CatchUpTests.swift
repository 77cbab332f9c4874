import Foundation
import JSON
import Testing

/// Catch-up and backfill end to end: the real binary against `batchctl serve`, with a fake clock (`BATCHCTL_NOW`).
/// `catchUp: all` starts every missed slot, one a `run --due`, each run recording its own slot; `run ADDR --slot`
/// starts a run for one slot by hand and leaves the schedule where it was.
@Suite(.serialized) struct CatchUpTests {
    /// A project of one set, `jobs`, with the given task entries under `tasks:`.
    private func project(_ tasks: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks,
        ])
    }

    /// The slots of `address`'s runs as `state show` lists them, oldest first.
    private func slots(_ directory: TemporaryDirectory, _ address: String) throws -> [String] {
        let show = try BinaryRunner.run(["state", "show", address], in: directory.path)
        let runs = try JSONValue.parse(show.stdout)["runs"]?.arrayValue ?? []
        return runs.reversed().compactMap { $0["slot"]?.stringValue }
    }

    /// The number of the server's tasks named `name`.
    private func serverCount(named name: String, _ server: EmulatorProcess) async throws -> Int {
        try await RawHTTP(server).allTasks().count { $0["Name"]?.stringValue == name }
    }

    @Test func catchUpAllThreeHoursLateStartsThreeRunsOnePerSlot() async throws {
        let directory = try project("""
              - key: all
                Name: All
                run: {when: schedule, schedule: "0 * * * *", timeZone: UTC, catchUp: all, concurrency: allow}
              - key: latest
                Name: Latest
                run: {when: schedule, schedule: "0 * * * *", timeZone: UTC, concurrency: allow}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }

        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: at("2030-01-10T00:10:00Z"))
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")

        // Three hours late: `schedule` lists the three slots to catch up, and `latest` as missing two.
        let listing = try BinaryRunner.run(["schedule"], in: directory.path, environment: at("2030-01-10T03:10:00Z"))
        #expect(listing.stdout.contains("due now (2030-01-10T01:00:00Z; 3 slots to catch up, the last 2030-01-10T03:00:00Z)"), "\(listing.stdout)")
        let json = try BinaryRunner.run(["schedule", "-o", "json"], in: directory.path, environment: at("2030-01-10T03:10:00Z"))
        let all = try JSONValue.parse(json.stdout)["schedules"]?.arrayValue?.first { $0["address"]?.stringValue == "jobs/all" }
        #expect(all?["catchUp"]?.arrayValue?.compactMap(\.stringValue) == ["2030-01-10T01:00:00Z", "2030-01-10T02:00:00Z", "2030-01-10T03:00:00Z"])
        #expect(all?["missed"]?.intValue == 0)

        var outputs = ""
        for minute in 10...13 {
            let due = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2030-01-10T03:\(minute):00Z"))
            #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
            outputs += due.stdout
        }
        #expect(outputs.contains("> jobs/all  # due at 2030-01-10T01:00:00Z; 1 of 3 slots to catch up"), "\(outputs)")
        #expect(outputs.contains("> jobs/all (after run"), "\(outputs)")
        #expect(outputs.contains("jobs/latest: 2 slots, the last at 2030-01-10T02:00:00Z"), "\(outputs)")
        #expect(try await serverCount(named: "All", server) == 3, "one run a slot: \(outputs)")
        #expect(try await serverCount(named: "Latest", server) == 1, "the latest slot only: \(outputs)")
        #expect(try slots(directory, "jobs/all") == ["2030-01-10T01:00:00Z", "2030-01-10T02:00:00Z", "2030-01-10T03:00:00Z"])
        #expect(try slots(directory, "jobs/latest") == ["2030-01-10T03:00:00Z"])
        #expect(outputs.hasSuffix("No runs are due. Next: jobs/all at 2030-01-10T04:00:00Z.\n"), "caught up: \(outputs)")
    }

    @Test func underForbidTheNextSlotWaitsForTheCurrentRunToEnd() async throws {
        let directory = try project("""
              - key: all
                Name: All
                run: {when: schedule, schedule: "0 * * * *", timeZone: UTC, catchUp: all}

            """)
        // Only jobs named Other run: All stays New.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0", "--jobs", "Other"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: at("2030-01-10T00:10:00Z")).status == 0)
        let first = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2030-01-10T03:10:00Z"))
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        for minute in 11...12 {
            let refused = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2030-01-10T03:\(minute):00Z"))
            #expect(refused.status == 0, "a due run refused by its policy is no error: \(refused.stdout)\(refused.stderr)")
            #expect(refused.stdout.contains("due at 2030-01-10T02:00:00Z; 1 of 2 slots to catch up"), "the slot stays due: \(refused.stdout)")
        }
        #expect(try await serverCount(named: "All", server) == 1)
        #expect(try slots(directory, "jobs/all") == ["2030-01-10T01:00:00Z"])
    }

    @Test func aRunForASlotByHandRecordsItAndLeavesTheScheduleWhereItWas() async throws {
        let directory = try project("""
              - key: hourly
                Name: Hourly
                run: {when: schedule, schedule: "0 * * * *", timeZone: Europe/Oslo, concurrency: allow}
              - key: fresh
                Name: Fresh
                run: {when: schedule, schedule: "0 * * * *", timeZone: UTC, catchUp: all, concurrency: allow}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }
        #expect(try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: at("2030-01-10T00:10:00Z")).status == 0)
        let due = try BinaryRunner.run(["run", "--due", "jobs/hourly"], in: directory.path, environment: at("2030-01-10T03:10:00Z"))
        #expect(due.status == 0, "\(due.stdout)\(due.stderr)")

        // A wall-clock time is read in the schedule's zone: 02:00 in Oslo is 01:00 UTC in winter.
        let backfill = try BinaryRunner.run(["run", "jobs/hourly", "--slot", "2030-01-10T02:00"], in: directory.path,
                                            environment: at("2030-01-10T03:15:00Z"))
        #expect(backfill.status == 0, "\(backfill.stdout)\(backfill.stderr)")
        #expect(backfill.stdout.contains("a new run asked for, for slot 2030-01-10T02:00:00+01:00"), "\(backfill.stdout)")
        #expect(try slots(directory, "jobs/hourly") == ["2030-01-10T03:00:00Z", "2030-01-10T01:00:00Z"])

        let between = try BinaryRunner.run(["run", "jobs/hourly", "--slot", "2030-01-10T01:30:00Z"], in: directory.path,
                                           environment: at("2030-01-10T03:15:00Z"))
        #expect(between.status != 0)
        #expect(between.stderr.contains("--slot 2030-01-10T02:30:00+01:00 is not a slot of jobs/hourly's schedule 0 * * * * (Europe/Oslo); the slot before it 2030-01-10T02:00:00+01:00, and after it 2030-01-10T03:00:00+01:00"),
                "\(between.stderr)")
        let unreadable = try BinaryRunner.run(["run", "jobs/hourly", "--slot", "yesterday"], in: directory.path, environment: at("2030-01-10T03:15:00Z"))
        #expect(unreadable.status != 0 && unreadable.stderr.contains("--slot takes ISO 8601"), "\(unreadable.stderr)")

        // The schedule does not go back: nothing is due again before the next slot.
        let after = try BinaryRunner.run(["run", "--due", "jobs/hourly"], in: directory.path, environment: at("2030-01-10T03:20:00Z"))
        #expect(after.stdout.contains("No runs are due."), "\(after.stdout)")
        #expect(try await serverCount(named: "Hourly", server) == 2)

        // A first run for a slot before the task was scheduled does not make the slots since then due.
        let first = try BinaryRunner.run(["run", "jobs/fresh", "--slot", "2030-01-09T20:00:00Z"], in: directory.path,
                                         environment: at("2030-01-10T03:20:00Z"))
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let catchUp = try BinaryRunner.run(["run", "--due", "jobs/fresh"], in: directory.path, environment: at("2030-01-10T03:21:00Z"))
        #expect(catchUp.stdout.contains("due at 2030-01-10T01:00:00Z; 1 of 3 slots to catch up"), "counted from 00:10, when it was scheduled: \(catchUp.stdout)")
        #expect(try slots(directory, "jobs/fresh") == ["2030-01-09T20:00:00Z", "2030-01-10T01:00:00Z"])
    }
}
