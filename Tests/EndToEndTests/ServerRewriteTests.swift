import Foundation
import JSON
import Testing

/// batchctl against an emulator that rewrites what it is sent as api.md v3 says a real server does: the
/// ParameterObject's blob linked through DetailsTable/DetailsRecord, dates in the server's zone without an offset,
/// PUT binding a whole BatchTaskInfo, jobs it does not know left New.
@Suite struct ServerRewriteTests {
    private func project(_ tasks: String, headers: String = "") throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n" + headers,
            "sets/jobs.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks,
        ])
    }

    /// Three imports with a ParameterObject and a date, and one task that sets DetailsTable/DetailsRecord itself.
    private let dated = """
          - key: import-${n}
            matrix:
              n: ${range(1, 3)}
            Name: Import ${n}
            Description: Shard ${n}
            Created: "2026-01-15T09:00:00.5+01:00"
            ParameterObject: {kind: import, shard: "${n}", region: eu}
          - key: plain
            Name: Plain
            DetailsTable: 7
            DetailsRecord: 3
            Created: "2026-07-15T09:00:00Z"

        """

    @Test(arguments: ["NO", "US-NY"])
    func appliesThenPlansNoChangesAndDriftsNothing(baseZone: String) async throws {
        let directory = try project(dated)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--base-time-zone", baseZone, "--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Done: 4 succeeded, 0 failed, 0 skipped."), "\(apply.stdout)")

        // The server did rewrite what it was sent: the blob's link, and dates in its zone without an offset.
        let tasks = try await RawHTTP(server).allTasks()
        #expect(tasks.count == 4)
        for task in tasks where task["ParameterObject"]?.isNull == false {
            #expect(task["DetailsTable"] == 38, "\(task)")
            #expect((task["DetailsRecord"]?.intValue ?? 0) > 0)
        }
        let plain = try #require(tasks.first { $0["Name"] == "Plain" })
        #expect(plain["DetailsTable"] == 7 && plain["DetailsRecord"] == 3)
        #expect(plain["Created"] == "2026-07-15T09:00:00", "Created is UTC wall time without an offset: \(plain["Created"] ?? .null)")
        let first = try #require(tasks.first { $0["Name"] == "Import 1" })
        let created = first["Created"]?.stringValue ?? ""
        #expect(created.hasPrefix("2026-01-15T08:00:00.5") && !created.hasSuffix("Z") && !created.contains("+"), "\(created)")

        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("No changes."))
        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout == "No drift: the 4 managed tasks match what was applied.\n")
    }

    @Test func aProjectZoneIsSentAndItsDatesReadInIt() async throws {
        let directory = try project(dated, headers: "headers: {timeZone: \"261\"}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--base-time-zone", "US-NY", "--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: server.environment)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        let drift = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(drift.status == 0, "\(drift.stdout)\(drift.stderr)")
        // A real change is still drift.
        let tasks = try await RawHTTP(server).allTasks()
        let second = try #require(tasks.first { $0["Name"] == "Import 2" })
        var changed = try #require(second.objectValue)
        changed["Description"] = "changed by hand"
        let put = try await RawHTTP(server).request("PUT", "BatchTask/\(second["Id"]?.intValue ?? 0)", body: .object(changed))
        #expect(put.status == 200)
        let after = try BinaryRunner.run(["drift"], in: directory.path, environment: server.environment)
        #expect(after.status == 2, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.contains("jobs/import-2"), "\(after.stdout)")
        #expect(!after.stdout.contains("jobs/import-1") && !after.stdout.contains("jobs/plain"), "\(after.stdout)")
    }

    @Test func anUnknownProjectZoneIsAnErrorBeforeAnythingIsSent() async throws {
        let directory = try project(dated, headers: "headers:\n  timeZone: Mars/Olympus\n")
        let server = try EmulatorProcess(database: ":memory:")
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("batchctl.yaml:5:13: error: timeZone 'Mars/Olympus' is not a SuperOffice time zone"), "\(apply.stderr)")
        #expect(try await RawHTTP(server).allTasks().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"))
    }

    @Test func anUpdateKeepsWhatTheManifestDoesNotSet() async throws {
        let directory = try project("  - key: t\n    Name: Kept\n    Description: first\n    ParameterObject: {a: \"1\"}\n")
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")
        let raw = RawHTTP(server)
        let id = try #require(try await raw.allTasks().first?["Id"]?.intValue)
        // Someone sets the Response by hand, sending the whole task as a PUT needs.
        var current = try #require(try await raw.request("GET", "BatchTask/\(id)").body?.objectValue)
        current["Response"] = "set by hand"
        #expect(try await raw.request("PUT", "BatchTask/\(id)", body: .object(current)).status == 200)

        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n  - key: t\n    Name: Kept\n    Description: second\n    ParameterObject: {a: \"1\"}\n"
            .write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        let update = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout.contains("1 to update"), "\(update.stdout)")
        let after = try #require(try await raw.request("GET", "BatchTask/\(id)").body)
        #expect(after["Description"] == "second")
        #expect(after["Response"] == "set by hand", "a PUT without Response would have cleared it")
        #expect(after["State"] == "Succeeded", "a PUT without State would have made it Unknown")
    }

    @Test func aWaitEndsAtItsDeadlineNamingTheJobTheServerDoesNotKnow() async throws {
        let directory = try project("""
              - key: known
                Name: Import 1
              - key: mystery
                Name: Mystery job
                run: {concurrency: replace}

            """)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--jobs", "Import*", "--job-duration", "0"])
        defer { server.stop() }
        let started = Date()
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait", "--wait-timeout", "5s"], in: directory.path,
                                         environment: server.environment)
        let elapsed = Date().timeIntervalSince(started)
        #expect(apply.status == 1, "\(apply.stdout)\(apply.stderr)")
        let output = apply.stdout + apply.stderr
        let mystery = try #require(try await RawHTTP(server).allTasks().first { $0["Name"] == "Mystery job" })
        let id = try #require(mystery["Id"]?.intValue)
        #expect(mystery["State"] == "New")
        #expect(output.contains("jobs/mystery"), "\(output)")
        #expect(output.contains("task \(id) still New after 5s: the server may not know a job named \"Mystery job\""), "\(output)")
        #expect(output.contains("Done: 1 succeeded, 1 failed, 0 skipped."), "\(output)")
        #expect(elapsed < 60, "the wait gave up at its deadline (\(elapsed) s)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.lock"), "nothing is left locked")

        // The state recorded the task: the next wait follows its run.
        let run = try BinaryRunner.run(["run", "jobs/mystery", "--wait", "--wait-timeout", "2s"], in: directory.path,
                                       environment: server.environment)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect((run.stdout + run.stderr).contains("still New after 2s: the server may not know a job named \"Mystery job\""))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.lock"))

        let refused = try BinaryRunner.run(["destroy", "--auto-approve", "--wait-timeout", "soon"], in: directory.path,
                                           environment: server.environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--wait-timeout"), "\(refused.stderr)")
        let destroy = try BinaryRunner.run(["destroy", "--auto-approve", "--wait-timeout", "30s"], in: directory.path,
                                           environment: server.environment)
        #expect(destroy.status == 0, "\(destroy.stdout)\(destroy.stderr)")
        #expect(try await RawHTTP(server).allTasks().isEmpty)
    }
}

/// The bound on dependency edges, as a user sets it.
@Suite struct DependencyEdgeLimitTests {
    @Test func theFlagBoundsTheEdgesAtTheEntry() throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: jobs}
                tasks:
                  - key: t-${n}
                    matrix:
                      n: ${range(1, 3)}
                    Name: T ${n}
                  - key: report
                    dependsOn: ["t-*"]
                    Name: Report

                """,
        ])
        let fits = try BinaryRunner.run(["validate", "--max-dependency-edges", "3"], in: directory.path)
        #expect(fits.status == 0, "\(fits.stderr)")
        let refused = try BinaryRunner.run(["validate", "--max-dependency-edges", "2"], in: directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("sets/jobs.yaml:10:17: error: "), "\(refused.stderr)")
        #expect(refused.stderr.contains("--max-dependency-edges"))
        let bad = try BinaryRunner.run(["validate", "--max-dependency-edges", "0"], in: directory.path)
        #expect(bad.status != 0 && bad.stderr.contains("--max-dependency-edges must be at least 1"), "\(bad.stderr)")
    }
}
