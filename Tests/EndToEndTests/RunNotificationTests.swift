import Foundation
import JSON
import Testing

/// Run notifications end to end: `run --wait --notify-url` against a webhook receiver, and the options' checks.
@Suite(.serialized) struct RunNotificationTests {
    @Test func aFailedRunPostsOnRunFailedWithoutTheSecretItWasSent() async throws {
        let secret = "hunter2-\(UUID().uuidString.prefix(8))"
        // The emulator fails a job whose ParameterObject has `fail`, with that text as its Result: here, the secret.
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: import
                    Name: Import
                    ParameterObject:
                      password: ${sensitive("\(secret)")}
                      fail: ${sensitive("\(secret)")}
                """,
        ])
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let receiver = try NotificationReceiver(directory: directory.path)
        let apply = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stderr)")

        let run = try BinaryRunner.run(["run", "a/import", "--wait", "--notify-url", receiver.url], in: directory.path,
                                       environment: server.environment)
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let runID = state["tasks"]?["a/import"]?["id"]?.intValue
        let failed = receiver.received.filter { $0["trigger"]?.stringValue == "on-run-failed" }
        #expect(failed.count == 1, "\(receiver.received) \(run.stdout)\(run.stderr)")
        let notification = try #require(failed.first)
        #expect(notification["address"]?.stringValue == "a/import")
        #expect(notification["runId"]?.intValue == runID)
        #expect(notification["attempt"]?.intValue == 1)
        #expect(notification["state"]?.stringValue == "Failed")
        let body = try String(contentsOfFile: receiver.path, encoding: .utf8)
        #expect(!body.contains(secret), "the secret was sent: \(body)")
        #expect(!receiver.triggers().contains("on-run-succeeded"))
    }

    @Test func runDueTellsEachMissedSlotOnceHoweverOftenItLooks() async throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: hourly
                    Name: Hourly
                    run: {when: schedule, schedule: "0 * * * *", startingDeadline: 10m}
                """,
        ])
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let receiver = try NotificationReceiver(directory: directory.path)
        func at(_ now: String, _ arguments: [String]) throws -> BinaryRunner.Outcome {
            try BinaryRunner.run(arguments, in: directory.path, environment: server.environment.merging(["BATCHCTL_NOW": now]) { $1 })
        }
        #expect(try at("2026-12-01T12:10:00Z", ["apply", "--auto-approve"]).status == 0)
        #expect(try at("2026-12-01T13:05:00Z", ["run", "--due"]).status == 0, "the 13:00 slot runs")
        // 14:00 and 15:00 are past their ten minutes: told once, then not again until another slot is missed.
        for now in ["2026-12-01T15:30:00Z", "2026-12-01T15:35:00Z", "2026-12-01T15:50:00Z"] {
            let due = try at(now, ["run", "--due", "--notify-url", receiver.url])
            #expect(due.status == 0, "\(due.stdout)\(due.stderr)")
        }
        var missed = receiver.received.filter { $0["trigger"]?.stringValue == "on-run-missed" }
        #expect(missed.count == 1, "\(receiver.received)")
        #expect(missed.first?["slot"]?.stringValue == "2026-12-01T15:00:00Z")
        #expect(missed.first?["message"]?.stringValue?.contains("missed 2 slots") == true, "\(missed)")
        #expect(try at("2026-12-01T16:30:00Z", ["run", "--due", "--notify-url", receiver.url]).status == 0)
        missed = receiver.received.filter { $0["trigger"]?.stringValue == "on-run-missed" }
        #expect(missed.map { $0["slot"]?.stringValue } == ["2026-12-01T15:00:00Z", "2026-12-01T16:00:00Z"], "\(receiver.received)")
    }

    @Test func theControllerPostsARetryAndThenTheFailureWithItsMetrics() async throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: flaky
                    Name: Flaky
                    ParameterObject: {fail: "true"}
                    run: {retry: {limit: 1, backoff: 1s}}
                """,
        ])
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let receiver = try NotificationReceiver(directory: directory.path)
        let controller = try await ControllerProcess.start(in: directory.path, ["--interval", "1s", "--notify-url", receiver.url],
                                                           environment: server.environment)
        let deadline = Date().addingTimeInterval(60)
        while !receiver.triggers().contains("on-run-failed"), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        let triggers = receiver.triggers().filter { $0.hasPrefix("on-run-") }
        #expect(triggers == ["on-run-retry", "on-run-failed"], "\(receiver.received)\n\(controller.log)")
        let failed = receiver.received.first { $0["trigger"]?.stringValue == "on-run-failed" }
        #expect(failed?["address"]?.stringValue == "a/flaky")
        #expect(failed?["attempt"]?.intValue == 2)
        let metrics = await controller.get("/metrics")?.body ?? ""
        #expect(metrics.contains(#"batchctl_run_last_result{address="a/flaky"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"batchctl_runs_total{result="retried"} 1"#), "\(metrics)")
        _ = await controller.stop()
    }

    @Test func theNotifyOptionsAreCheckedBeforeAnythingRuns() throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: a}\ntasks:\n  - key: job\n    Name: Job\n",
        ])
        let unknown = try BinaryRunner.run(["run", "a/job", "--endpoint", "embedded", "--notify-url", "http://127.0.0.1:9/hook",
                                            "--notify-on", "on-run-failed,on-run-exploded"], in: directory.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("'on-run-exploded' is not a trigger"), "\(unknown.stderr)")
        let alone = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--notify-on", "on-run-failed"], in: directory.path)
        #expect(alone.status == 1)
        #expect(alone.stderr.contains("give --notify-url too"), "\(alone.stderr)")
        let badURL = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--notify-url", "ftp://example.com/x"], in: directory.path)
        #expect(badURL.status == 1)
        #expect(badURL.stderr.contains("--notify-url"), "\(badURL.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"), "nothing was applied")
    }

    @Test func aReceiverThatIsDownIsReportedWithoutFailingTheRun() throws {
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: a}\ntasks:\n  - key: job\n    Name: Job\n",
        ])
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        // Nothing listens on port 9 of loopback.
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait", "--notify-url", "http://127.0.0.1:9/hook/token",
                                          "--notify-on", "on-run-succeeded"], in: directory.path, environment: server.environment)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stderr.contains("warning: notification to http://127.0.0.1:9 "), "\(apply.stderr)")
        #expect(!apply.stderr.contains("token"), "a notify URL's path is not shown")
    }
}
