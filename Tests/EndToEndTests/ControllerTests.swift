import Foundation
import JSON
import PostgresTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `batchctl controller` end to end: the real binary against `batchctl serve`, real state files and a real
/// PostgreSQL, probed over HTTP as Prometheus, a load balancer and a browser would.
@Suite(.serialized) struct ControllerTests {
    /// A project of one set, `jobs`, with tasks `a` and `b` (b's Description given).
    private func project(description: String = "first") throws -> TemporaryDirectory {
        try project(jobs: jobs(description: description))
    }

    /// A project whose one manifest, `sets/jobs.yaml`, is `jobs`.
    private func project(jobs: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/jobs.yaml": jobs,
        ])
    }

    /// The set `jobs` with these task entries under `tasks:`.
    private func set(_ tasks: String) -> String {
        "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: jobs}\ntasks:\n" + tasks
    }

    private func jobs(description: String) -> String {
        set("""
              - {key: a, Name: Controller A, Description: kept}
              - {key: b, Name: Controller B, Description: \(description)}

            """)
    }

    /// The set `jobs` of `count` tasks `t-1`, `t-2`, ... named `<name> 1`, `<name> 2`, ...
    private func jobs(count: Int, named name: String) -> String {
        set("""
              - key: t-${n}
                matrix:
                  n: ${range(1, \(count))}
                Name: \(name) ${n}

            """)
    }

    /// Polls the server every 100 ms until the task named `name` has `description`; false after `timeout`.
    private func waitForDescription(_ description: String, of name: String, _ server: EmulatorProcess,
                                    timeout: TimeInterval = 20) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await task(named: name, server)?["Description"]?.stringValue == description { return true }
            await OffPool.pause(0.1)
        }
        return false
    }

    private func task(named name: String, _ server: EmulatorProcess) async throws -> JSONValue? {
        try await RawHTTP(server).allTasks().first { $0["Name"]?.stringValue == name }
    }

    private func synced(_ status: JSONValue, set: String = "jobs") -> Bool {
        let entry = ControllerProcess.set(status, set)
        return entry?["sync"]?.stringValue == "Synced" && entry?["health"]?.stringValue == "Healthy"
    }

    @Test func appliesEditsReportsDriftNotifiesAndStopsOnSIGTERM() async throws {
        let directory = try project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let receiver = try NotificationReceiver(directory: directory.path)
        // A second receiver that is down (nothing listens on port 9) must not hold the loop up.
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--notify-url", "http://127.0.0.1:9/down",
                                                                    "--notify-url", receiver.url],
                                               environment: server.environment)

        // Created, then Healthy once the jobs succeeded.
        let first = await controller.waitForStatus(timeout: 30) { synced($0) }
        #expect(first.map { synced($0) } == true, "\(String(describing: first))\n\(controller.log)")
        #expect(try await task(named: "Controller A", server) != nil)

        // A manifest edited is applied by a later cycle, with no request for one.
        try jobs(description: "edited").write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        let applied = try await waitForDescription("edited", of: "Controller B", server, timeout: 60)
        #expect(applied, "\(controller.log)")

        // An out-of-band change is reported, and left alone without --self-heal.
        let a = try #require(try await task(named: "Controller A", server)?["Id"]?.intValue)
        // The whole task goes back, State as read: the server binds a PUT to a whole BatchTaskInfo (api.md v3).
        var whole = try #require(try await RawHTTP(server).request("GET", "BatchTask/\(a)").body?.objectValue)
        whole["Description"] = "changed by hand"
        let put = try await RawHTTP(server).request("PUT", "BatchTask/\(a)", body: .object(whole))
        #expect(put.status == 200)
        let drifted = await controller.waitForStatus(timeout: 20) { ControllerProcess.set($0, "jobs")?["drifted"] == .array(["jobs/a"]) }
        #expect(ControllerProcess.set(drifted, "jobs")?["sync"]?.stringValue == "OutOfSync", "\(String(describing: drifted))")
        let cycle = ControllerProcess.cycle(drifted)
        await controller.waitForStatus(timeout: 20) { ControllerProcess.cycle($0) >= cycle + 2 }
        #expect(try await task(named: "Controller A", server)?["Description"]?.stringValue == "changed by hand", "reported, not reverted")

        // POST /reconcile starts a cycle at once; the probes answer.
        let before = ControllerProcess.cycle(await controller.status())
        #expect(await controller.post("/reconcile")?.status == 202)
        #expect(await controller.waitForStatus(timeout: 10) { ControllerProcess.cycle($0) > before } != nil)
        #expect(await controller.get("/healthz")?.status == 200)
        #expect(await controller.get("/readyz")?.status == 200)
        #expect(await controller.get("/")?.headers.lowercased().contains("content-type: text/html") == true)

        // The metrics, read by Prometheus's own parser.
        let metricsText = try #require(await controller.get("/metrics")?.body)
        let samples = try await PrometheusText.samples(metricsText)
        for name in ["batchctl_reconcile_total", "batchctl_reconcile_duration_seconds_bucket", "batchctl_tasks",
                     "batchctl_drifted_tasks", "batchctl_actions_total", "batchctl_api_requests_total", "batchctl_leader",
                     "batchctl_last_success_timestamp_seconds", "batchctl_runs_total"] {
            #expect(samples.contains { $0.name == name }, "\(name) is missing from\n\(metricsText)")
        }
        #expect(samples.first { $0.name == "batchctl_leader" }?.value == 1)
        #expect(samples.first { $0.name == "batchctl_drifted_tasks" && $0.labels["set"] == "jobs" }?.value == 1)
        #expect(samples.first { $0.name == "batchctl_tasks" && $0.labels == ["set": "jobs", "sync": "OutOfSync", "health": "Healthy"] }?.value == 2)
        #expect((samples.first { $0.name == "batchctl_actions_total" && $0.labels == ["action": "update", "result": "succeeded"] }?.value ?? 0) >= 1)
        #expect((samples.first { $0.name == "batchctl_api_requests_total" && $0.labels == ["method": "GET", "code": "200"] }?.value ?? 0) > 0)
        #expect((samples.first { $0.name == "batchctl_reconcile_total" && $0.labels["result"] == "success" }?.value ?? 0) >= 3)

        // Notifications: deployed (create, then the edit) and drift first seen, once.
        let triggers = receiver.triggers()
        #expect(triggers.filter { $0 == "on-deployed" }.count >= 2, "\(receiver.received)")
        #expect(triggers.filter { $0 == "on-health-degraded" }.count == 1, "\(receiver.received)")
        #expect(!controller.log.contains("secret-token"), "a notify URL's path is not written")

        // SIGTERM: exit 0 in time, and no lock left behind.
        let stopped = try #require(await controller.stop(), "still running 15 s after SIGTERM\n\(controller.log)")
        #expect(stopped.status == 0, "\(controller.log)")
        #expect(stopped.seconds < 10)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.lock"))
        let list = try await OffPool.run { try BinaryRunner.run(["state", "list"], in: directory.path) }
        #expect(list.status == 0 && list.stdout.contains("jobs/b"), "\(list.stdout)\(list.stderr)")
    }

    @Test func selfHealRevertsDriftAndASecondControllerOfTheFileIsRefused() async throws {
        let directory = try project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--self-heal"], environment: server.environment)
        #expect(await controller.waitForStatus(timeout: 30) { synced($0) } != nil, "\(controller.log)")

        let second = try await OffPool.run { try BinaryRunner.run(["controller", "--listen", "127.0.0.1:0"], in: directory.path, environment: server.environment) }
        #expect(second.status == 1)
        #expect(second.stderr.contains("another controller runs for batchctl.state.json (pid \(controller.process.processIdentifier)"), "\(second.stderr)")

        let b = try #require(try await task(named: "Controller B", server)?["Id"]?.intValue)
        _ = try await RawHTTP(server).request("PUT", "BatchTask/\(b)", body: .object(["Description": "changed by hand"]))
        let reverted = try await waitForDescription("first", of: "Controller B", server)
        #expect(reverted, "\(controller.log)")
        #expect(controller.log.contains("drift-detected"), "\(controller.log)")

        // The API gone: the cycle fails and the controller is not ready, but alive.
        #expect(await controller.get("/readyz")?.status == 200)
        server.stop()
        let down = await controller.waitForStatus(timeout: 60) { ($0["consecutiveFailures"]?.intValue ?? 0) >= 1 }
        #expect(down?["lastCycle"]?["error"]?.stringValue?.hasPrefix("the API: ") == true, "\(String(describing: down))")
        #expect(await controller.get("/readyz")?.status == 503)
        #expect(await controller.get("/healthz")?.status == 200)
        #expect(await controller.stop()?.status == 0)
    }

    @Test func aBrokenManifestLeavesTheServerUntouchedAndIsRetried() async throws {
        let directory = try project()
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let receiver = try NotificationReceiver(directory: directory.path)
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--notify-url", receiver.url],
                                               environment: server.environment)
        #expect(await controller.waitForStatus(timeout: 30) { synced($0) } != nil, "\(controller.log)")

        // An edit that also breaks the file: nothing of it is applied.
        try (jobs(description: "edited") + "  - {key: c, Name: Controller C, Bogus: 1}\n")
            .write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        let failed = await controller.waitForStatus(timeout: 20) { ($0["consecutiveFailures"]?.intValue ?? 0) >= 2 }
        let error = failed?["lastCycle"]?["error"]?.stringValue ?? ""
        #expect(error.contains("sets/jobs.yaml:7:"), "the error names the place: \(error)")
        #expect(ControllerProcess.set(failed, "jobs")?["sync"]?.stringValue == "Unknown")
        #expect(try await task(named: "Controller B", server)?["Description"]?.stringValue == "first", "nothing applied")
        #expect(try await task(named: "Controller C", server) == nil)
        #expect(await controller.get("/readyz")?.status == 200, "the API is still reachable")
        #expect(await controller.get("/healthz")?.status == 200)
        let samples = try await PrometheusText.samples(try #require(await controller.get("/metrics")?.body))
        #expect((samples.first { $0.name == "batchctl_reconcile_total" && $0.labels["result"] == "failure" }?.value ?? 0) >= 2)
        #expect(receiver.triggers().filter { $0 == "on-sync-failed" }.count == 1, "told once, not at every retry: \(receiver.received)")

        // Fixed, and SIGHUP starts the cycle without waiting for the backoff.
        try jobs(description: "edited").write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        kill(controller.process.processIdentifier, SIGHUP)
        let recovered = await controller.waitForStatus(timeout: 20) { $0["consecutiveFailures"]?.intValue == 0 }
        #expect(recovered?["lastCycle"]?["result"]?.stringValue == "success", "\(controller.log)")
        #expect(try await task(named: "Controller B", server)?["Description"]?.stringValue == "edited")
        #expect(await controller.stop()?.status == 0)
    }

    @Test func scheduledRunsStartWhenDueAndMissedSlotsAreCountedOnce() async throws {
        let directory = try project(jobs: set("""
              - {key: hourly, Name: Hourly, run: {when: schedule, schedule: "0 * * * *", startingDeadline: 2h}}
              - {key: strict, Name: Strict, run: {when: schedule, schedule: "30 1 * * *", startingDeadline: 10m}}

            """))
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let registered = try await OffPool.run { try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path,
                                              environment: server.environment.merging(["BATCHCTL_NOW": "2026-12-01T12:10:00Z"]) { $1 }) }
        #expect(registered.status == 0, "\(registered.stderr)")

        // 01:45 UTC the next night: hourly runs for its latest slot (12 earlier ones missed); strict's 01:30 slot is
        // past its 10-minute deadline.
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s"],
                                               environment: server.environment.merging(["BATCHCTL_NOW": "2026-12-02T01:45:00Z"]) { $1 })
        let settled = await controller.waitForStatus(timeout: 30) { ControllerProcess.cycle($0) >= 4 }
        #expect(settled != nil, "\(controller.log)")
        let samples = try await PrometheusText.samples(try #require(await controller.get("/metrics")?.body))
        let runs = { (result: String) in samples.first { $0.name == "batchctl_runs_total" && $0.labels["result"] == result }?.value }
        #expect(runs("started") == 1, "\(controller.log)")
        #expect(runs("skipped") == 13, "12 slots of hourly and 1 of strict, each counted once over four cycles")
        #expect(runs("failed") == 0)
        let events = settled?["events"]?.arrayValue ?? []
        #expect(events.contains { $0["kind"]?.stringValue == "run-started" && $0["message"]?.stringValue?.contains("jobs/hourly") == true })
        #expect(events.contains { $0["kind"]?.stringValue == "run-skipped" && $0["message"]?.stringValue?.contains("jobs/strict missed 1 slot") == true },
                "\(events)")
        #expect(try await RawHTTP(server).allTasks().compactMap { $0["Name"]?.stringValue } == ["Hourly"])
        #expect(await controller.stop()?.status == 0)
    }

    @Test func sigtermMidApplyFinishesWhatIsInFlightAndTheNextApplyCompletesIt() async throws {
        // 100 creates at 2 at a time, each answered after 300 ms: 15 s of work, so the signal comes mid-apply even when
        // a loaded machine delivers it seconds late.
        let directory = try project(jobs: jobs(count: 100, named: "Stopped"))
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0", "--latency", "300"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--parallelism", "2"], environment: server.environment)
        let journal = directory.path + "/batchctl.state.json.journal"
        // The wait and the signal on one thread: a test resumed late on a busy pool would signal after the apply.
        let signalled = await OffPool.run { () -> ControllerProcess.Stopped? in
            BinaryRunner.waitUntil(timeout: 30) { ((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0) > 600 }
            return controller.stopNow(signal: SIGTERM, timeout: 15)
        }
        let stopped = try #require(signalled, "still running 15 s after SIGTERM\n\(controller.log)")
        #expect(stopped.status == 0, "\(controller.log)")
        #expect(stopped.seconds < 10)
        #expect(controller.log.contains("stopping after the requests in flight"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.lock"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json.journal"), "what was sent is in the state")
        let kept = try await RawHTTP(server).allTasks().count
        #expect(kept > 0 && kept < 100, "stopped with \(kept) of 100 created")

        let apply = try await OffPool.run { try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment) }
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("\(100 - kept) to create"), "\(apply.stdout)")
        let names = try await RawHTTP(server).allTasks().compactMap { $0["Name"]?.stringValue }
        #expect(names.count == 100 && Set(names).count == 100, "every task once")
    }

    @Test func gitPullBringsInANewCommitBeforeEachCycle() async throws {
        let root = try TemporaryDirectory()
        func git(_ arguments: [String], in directory: String) throws {
            let outcome = try PythonEnvironment.run("/usr/bin/env", ["git", "-C", directory, "-c", "user.name=Test", "-c", "user.email=test@example.com"] + arguments)
            guard outcome.status == 0 else { throw PythonError("git \(arguments.joined(separator: " ")): \(outcome.output)") }
        }
        let seed = root.path + "/seed", origin = root.path + "/origin.git", work = root.path + "/work"
        try FileManager.default.createDirectory(atPath: seed + "/sets", withIntermediateDirectories: true)
        try "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\nstate: ../work-state.json\n"
            .write(toFile: seed + "/batchctl.yaml", atomically: true, encoding: .utf8)
        try jobs(description: "first").write(toFile: seed + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        try git(["init", "--quiet", "--bare", origin], in: root.path)
        try git(["init", "--quiet"], in: seed)
        try git(["add", "."], in: seed)
        try git(["commit", "--quiet", "-m", "jobs"], in: seed)
        try git(["push", "--quiet", origin, "HEAD:refs/heads/main"], in: seed)
        try git(["clone", "--quiet", "--branch", "main", origin, work], in: root.path)

        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: work, ["--interval", "1s", "--git-pull"], environment: server.environment)
        #expect(await controller.waitForStatus(timeout: 30) { synced($0) } != nil, "\(controller.log)")

        try jobs(description: "from git").write(toFile: seed + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        try git(["commit", "--quiet", "-am", "edit"], in: seed)
        try git(["push", "--quiet", origin, "HEAD:refs/heads/main"], in: seed)
        let pulled = try await waitForDescription("from git", of: "Controller B", server)
        #expect(pulled, "\(controller.log)")
        #expect(await controller.stop()?.status == 0)
    }

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let noBrowser: String? = {
        if ProcessInfo.processInfo.environment["CI"] == "true" || chromium != nil { return nil }
        return "skipped: no headless browser (apt-get install chromium)"
    }()

    @Test(.disabled(if: noBrowser != nil, Comment(rawValue: noBrowser ?? "")))
    func theStatusPageReadsInAHeadlessBrowser() async throws {
        let directory = try project()
        try "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: reports}\ntasks:\n  - {key: r, Name: Report}\n"
            .write(toFile: directory.path + "/sets/reports.yaml", atomically: true, encoding: .utf8)
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s"], environment: server.environment)
        let status = await controller.waitForStatus(timeout: 30) { synced($0) && synced($0, set: "reports") }
        #expect(status != nil, "\(controller.log)")

        let browser = try #require(Self.chromium, "CI=true needs chromium")
        let profile = directory.path + "/chromium-profile"
        let url = controller.url
        let dom = try await OffPool.run { try PythonEnvironment.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                                                      "--dump-dom", url + "/"]) }
        #expect(dom.status == 0, "\(dom.output)")
        // The document as the browser parsed it: each set on its own row with its status.
        let rows = dom.output.components(separatedBy: "<tr>").dropFirst()
        let jobsRow = rows.first { $0.contains("<strong>jobs</strong>") }
        let reportsRow = rows.first { $0.contains("<strong>reports</strong>") }
        #expect(jobsRow?.contains(">Synced<") == true && jobsRow?.contains(">Healthy<") == true, "\(dom.output)")
        #expect(reportsRow?.contains(">Synced<") == true, "\(dom.output)")
        #expect(dom.output.contains("href=\"/api/status\""))
        #expect(dom.output.contains("http-equiv=\"refresh\""))
        #expect(!dom.output.contains("<script"), "no script")
        #expect(await controller.stop()?.status == 0)
    }

    static let noPostgres = PostgresServer.missingPrerequisite

    @Test(.disabled(if: noPostgres != nil, Comment(rawValue: noPostgres ?? "")))
    func replicasOnPostgreSQLTakeOverFromAKilledLeaderWithoutADuplicate() async throws {
        let postgres = try PostgresServer.shared()
        let schema = PostgresServer.freshSchema("ctl_")
        let url = postgres.url(schema: schema)
        // One task to begin with: the twenty come once the test knows which controller leads, so a leader that
        // starts long before its follower on a busy machine cannot have applied them all before the test looks.
        let directory = try project(jobs: jobs(count: 1, named: "Replica"))
        // Slow answers, one at a time, so the leader is killed with requests in flight.
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0", "--latency", "500"])
        defer { server.stop() }
        let environment = server.environment.merging(["BATCHCTL_STATE": url]) { $1 }
        let one = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--jitter", "0", "--parallelism", "1"], environment: environment, log: "one.log")
        let two = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--jitter", "0", "--parallelism", "1"], environment: environment, log: "two.log")
        // Exactly one leads.
        var standings: (Bool?, Bool?) = (nil, nil)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            standings = (await one.status()?["leading"]?.boolValue, await two.status()?["leading"]?.boolValue)
            if let first = standings.0, let second = standings.1, first != second { break }
            await OffPool.pause(0.1)
        }
        let oneLeads = try #require(standings.0 as Bool?)
        #expect(standings.1 == !oneLeads, "exactly one leads")
        let (leader, follower) = oneLeads ? (one, two) : (two, one)
        let followerMetrics = try await PrometheusText.samples(try #require(await follower.get("/metrics")?.body))
        #expect(followerMetrics.first { $0.name == "batchctl_leader" }?.value == 0)

        // Killed mid-apply, once its journal holds a few creates.
        let journaled = { @Sendable in
            Int(((try? postgres.psql("SELECT count(*) FROM \(schema).journal")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        #expect(await leader.waitForStatus(timeout: 60) { synced($0) } != nil, "\(leader.log)")
        try jobs(count: 20, named: "Replica").write(toFile: directory.path + "/sets/jobs.yaml", atomically: true, encoding: .utf8)
        // The wait and the kill on one thread: a test resumed late on a busy pool would kill after the apply. The
        // nineteen creates of 500 ms leave seconds between the sixth journal record and the end of the apply.
        let victim = leader.process
        _ = await OffPool.run {
            BinaryRunner.waitUntil(timeout: 60) { journaled() >= 6 }
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
        }
        let http = RawHTTP(server)
        let created = try await http.allTasks().count
        #expect(created >= 3 && created < 20, "killed with \(created) of 20 created")
        // The lease lasts two intervals: the follower takes over within a few of its cycles, however slow they run.
        let followedUntil = ControllerProcess.cycle(await follower.status())
        let took = await follower.waitForStatus(timeout: 60) { $0["leading"]?.boolValue == true }
        #expect(took?["leading"]?.boolValue == true, "\(follower.log)")
        #expect(follower.log.contains("taking over from pid \(leader.process.processIdentifier)"), "\(follower.log)")
        #expect(ControllerProcess.cycle(took) - followedUntil <= 5, "led \(ControllerProcess.cycle(took) - followedUntil) cycles after the kill")
        let done = await follower.waitForStatus(timeout: 60) { synced($0) }
        #expect(done.map { synced($0) } == true, "\(follower.log)")
        let names = try await http.allTasks().compactMap { $0["Name"]?.stringValue }
        #expect(names.count == 20, "\(names.count) tasks on the server")
        #expect(Set(names).count == names.count, "no duplicate")
        #expect(follower.log.contains("recovered the interrupted run's journal"), "\(follower.log)")
        #expect(await follower.stop()?.status == 0)
        #expect(journaled() == 0, "the journal was folded into the state")
    }
}

/// The Prometheus text format read by Prometheus's own Python client (`prometheus_client.parser`).
enum PrometheusText {
    struct Sample: Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    static let script = #"""
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            for sample in family.samples:
                out.append({"name": sample.name, "labels": sample.labels, "value": sample.value, "type": family.type})
        print(json.dumps(out))
        """#

    static func samples(_ text: String) async throws -> [Sample] {
        try await OffPool.run { try samplesNow(text) }
    }

    private static func samplesNow(_ text: String) throws -> [Sample] {
        let python = try PythonEnvironment.whilePreparing { () throws -> String in
            guard let python3 = PythonEnvironment.python3 else { throw PythonError("python3 is not installed") }
            let venv = try PythonEnvironment.virtualEnvironment("prometheus-venv", python: python3)
            if !PythonEnvironment.succeeds(venv, ["-c", "import prometheus_client"]) {
                let installed = try PythonEnvironment.run(venv, ["-m", "pip", "install", "--quiet", "prometheus-client"])
                guard installed.status == 0 else { throw PythonError("pip install prometheus-client failed: \(installed.output)") }
            }
            return venv
        }
        let input = NSTemporaryDirectory() + "metrics-" + UUID().uuidString + ".txt"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let parsed = try PythonEnvironment.run("/bin/sh", ["-c", "\"$0\" -c \"$1\" < \"$2\"", python, script, input])
        guard parsed.status == 0 else { throw PythonError("the Prometheus parser refused the metrics: \(parsed.output)") }
        let document = try JSONValue.parse(parsed.output)
        return (document.arrayValue ?? []).map { sample in
            var labels: [String: String] = [:]
            if case .object(let members) = sample["labels"] ?? .null {
                for (key, value) in members { labels[key] = value.stringValue ?? "" }
            }
            let value: Double
            switch sample["value"] {
            case .int(let n)?: value = Double(n)
            case .double(let d)?: value = d
            default: value = .nan
            }
            return Sample(name: sample["name"]?.stringValue ?? "", labels: labels, value: value)
        }
    }
}
