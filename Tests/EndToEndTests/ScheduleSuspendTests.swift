import Foundation
import JSON
import Testing

/// `schedule suspend` and `schedule resume` end to end: the real binary against `batchctl serve`, a real state file
/// and a fake clock (`BATCHCTL_NOW`).
@Suite(.serialized) struct ScheduleSuspendTests {
    /// `nightly` runs at 02:00 UTC; `yearly` is scheduled but not due in these tests, so it never runs.
    private func project() throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: jobs}
                tasks:
                  - key: nightly
                    Name: Nightly
                    run: {when: schedule, schedule: "0 2 * * *", timeZone: UTC}
                  - key: yearly
                    Name: Yearly
                    run: {when: schedule, schedule: "0 0 1 1 *", timeZone: UTC}

                """,
        ])
    }

    private func nightlyRuns(_ server: EmulatorProcess) async throws -> Int {
        try await RawHTTP(server).allTasks().count { $0["Name"]?.stringValue == "Nightly" }
    }

    private func entry(_ directory: TemporaryDirectory, _ address: String) throws -> JSONValue? {
        try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))["tasks"]?[address]
    }

    @Test func aSuspendedTaskStartsNothingUntilResumed() async throws {
        let directory = try project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        func at(_ time: String) -> [String: String] { server.environment.merging(["BATCHCTL_NOW": time]) { $1 } }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: at("2026-12-01T12:00:00Z"))
        #expect(apply.status == 0, "\(apply.stderr)")
        let first = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-02T02:01:00Z"))
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(try await nightlyRuns(server) == 1)

        let suspend = try BinaryRunner.run(["schedule", "suspend", "jobs/night*", "--reason", "CRM upgrade"], in: directory.path,
                                           environment: at("2026-12-02T09:00:00Z"))
        #expect(suspend.status == 0, "\(suspend.stdout)\(suspend.stderr)")
        #expect(suspend.stdout.contains("Suspended jobs/nightly by "), "\(suspend.stdout)")
        #expect(suspend.stdout.contains(": CRM upgrade (state serial "), "\(suspend.stdout)")
        let suspended = try entry(directory, "jobs/nightly")?["suspended"]
        #expect(suspended?["reason"]?.stringValue == "CRM upgrade")
        #expect(suspended?["by"]?.stringValue?.contains("@") == true, "user@host: \(String(describing: suspended))")
        #expect(suspended?["at"]?.stringValue?.hasSuffix("Z") == true)

        // Suspending again changes nothing, and says by whom it already is.
        let again = try BinaryRunner.run(["schedule", "suspend", "jobs/nightly"], in: directory.path, environment: server.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("was already suspended by "), "\(again.stdout)")
        #expect(again.stdout.contains("the state is unchanged"), "\(again.stdout)")

        // The next night's slot starts nothing while the task is suspended.
        let skipped = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-03T02:01:00Z"))
        #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")
        #expect(try await nightlyRuns(server) == 1, "a suspended task started: \(skipped.stdout)")
        let listing = try BinaryRunner.run(["schedule"], in: directory.path, environment: at("2026-12-03T02:02:00Z"))
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("@ suspended"), "\(listing.stdout)")
        #expect(listing.stdout.contains("CRM upgrade"), "\(listing.stdout)")
        let status = try BinaryRunner.run(["status"], in: directory.path, environment: server.environment)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("jobs/nightly @ suspended by "), "\(status.stdout)")
        #expect(status.stdout.contains("CRM upgrade"), "\(status.stdout)")
        #expect(status.stdout.contains("1 suspended"), "\(status.stdout)")

        // Resumed, the night after starts it again.
        let resume = try BinaryRunner.run(["schedule", "resume", "jobs/nightly"], in: directory.path, environment: server.environment)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stdout.contains("Resumed jobs/nightly (suspended by "), "\(resume.stdout)")
        #expect(try entry(directory, "jobs/nightly")?["suspended"] == nil)
        let resumed = try BinaryRunner.run(["run", "--due"], in: directory.path, environment: at("2026-12-04T02:01:00Z"))
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(try await nightlyRuns(server) == 2)
    }

    @Test func aTaskWithoutAnEntryIsRefusedAndNothingIsWritten() async throws {
        let directory = try project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let before = try String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8)

        let never = try BinaryRunner.run(["schedule", "suspend", "jobs/yearly"], in: directory.path, environment: server.environment)
        #expect(never.status == 1)
        #expect(never.stderr.contains("jobs/yearly is scheduled since"), "\(never.stderr)")
        #expect(never.stderr.contains("has never run"), "\(never.stderr)")
        #expect(never.stderr.contains("run.suspend: true"), "\(never.stderr)")

        let unknown = try BinaryRunner.run(["schedule", "resume", "jobs/nope"], in: directory.path, environment: server.environment)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("the state has no jobs/nope"), "\(unknown.stderr)")
        #expect(try String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8) == before)

        // `schedule` alone is still the list, with its flags.
        let listing = try BinaryRunner.run(["schedule", "-o", "json"], in: directory.path, environment: server.environment)
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(try JSONValue.parse(listing.stdout)["schedules"]?.arrayValue?.count == 2)
    }
}
