import BatchTask
@testable import Controller
import DesiredTasks
import Diagnostics
import Foundation
import Hummingbird
import JSON
import Logging
import Reconcile
import Serving
import Testing

/// Run notifications: the payload, the secrets taken out of it, `--notify-on`, and delivery as `run` does it.
@Suite struct RunNotificationTests {
    private static let failed = RunEvent(
        trigger: .failed, address: "jobs/import", runID: 42, slot: "2026-12-01T02:00:00Z", attempt: 3, state: "Failed",
        result: "login refused for {\"Password\":\"hunter2\\\"x\"} and hunter2\"x", message: "jobs/import failed with its 2 retries spent")

    /// A task whose Parameter object holds a secret, `hunter2"x`, as the manifests' `sensitive()` leaves it.
    private static func task() throws -> DesiredTask {
        let parameters: JSONValue = ["user": "ops", "password": .string("hunter2\"x")]
        let info = try BatchTaskInfo(json: ["Name": "Import", "ParameterObject": parameters])
        return DesiredTask(setName: "jobs", key: "import", address: "jobs/import", source: SourceLocation(file: "sets/jobs.yaml", line: 3, column: 5),
                           info: info, redactions: [.parameterObject: ["user": "ops", "password": .string(DesiredTask.sensitiveMarker)]])
    }

    @Test func thePayloadCarriesEveryFieldAndNullWhereThereIsNone() {
        let payload = RunNotification.payload(Self.failed, time: "2026-12-01T02:10:00Z")
        #expect(payload.objectValue?.keys.elementsEqual(
            ["trigger", "time", "address", "runId", "slot", "attempt", "state", "result", "retryAt", "message"]) == true)
        #expect(payload["trigger"]?.stringValue == "on-run-failed")
        #expect(payload["time"]?.stringValue == "2026-12-01T02:10:00Z")
        #expect(payload["address"]?.stringValue == "jobs/import")
        #expect(payload["runId"]?.intValue == 42)
        #expect(payload["slot"]?.stringValue == "2026-12-01T02:00:00Z")
        #expect(payload["attempt"]?.intValue == 3)
        #expect(payload["state"]?.stringValue == "Failed")
        #expect(payload["retryAt"] == .null)
        let missed = RunNotification.payload(RunEvent(trigger: .missed, address: "jobs/import", message: "missed"), time: "t")
        #expect(missed["runId"] == .null && missed["state"] == .null && missed["result"] == .null)
    }

    @Test func theTasksSecretsAreTakenOutAsWrittenAndAsJSONWritesThem() throws {
        let event = RunNotification.redacted(Self.failed, task: try Self.task())
        let body = String(decoding: RunNotification.payload(event, time: "t").serializedBytes(), as: UTF8.self)
        #expect(!body.contains("hunter2"), "\(body)")
        #expect(event.result == "login refused for {\"Password\":\"(sensitive)\"} and (sensitive)")
        #expect(RunNotification.redacted(Self.failed, task: nil) == Self.failed, "no task, nothing known to take out")
    }

    @Test func notifyOnChoosesTheTriggersAndRefusesAnUnknownOne() throws {
        let standard = try NotificationTriggers.parse([], allowed: NotificationTriggers.runTriggers)
        #expect(standard.includes("on-run-failed") && standard.includes("on-run-retry") && standard.includes("on-run-paused"))
        #expect(!standard.includes("on-run-succeeded"))
        #expect(!standard.includes("on-deployed"), "run and apply send run notifications only")
        let chosen = try NotificationTriggers.parse(["on-run-succeeded, on-run-failed", "on-run-timeout"], allowed: NotificationTriggers.runTriggers)
        #expect(chosen.names == ["on-run-succeeded", "on-run-failed", "on-run-timeout"])
        #expect { _ = try NotificationTriggers.parse(["on-run-failed,on-deployed"], allowed: NotificationTriggers.runTriggers) } throws: { error in
            (error as? NotificationTriggersError)?.message.contains("'on-deployed' is not a trigger") == true
        }
        let controller = try NotificationTriggers.parse([], allowed: NotificationTriggers.controllerTriggers)
        #expect(controller.includes("on-deployed") && controller.includes("on-run-failed") && !controller.includes("on-run-succeeded"))
    }

    @Test func aReportsRunEventsArePostedAsRunDoesItAndAFailedDeliveryIsReported() async throws {
        let receiver = try await Receiver()
        var report = ApplyReport(outcomes: [], interrupted: false)
        report.runEvents = [
            Self.failed,
            RunEvent(trigger: .succeeded, address: "jobs/other", runID: 7, attempt: 1, state: "Succeeded", message: "jobs/other succeeded"),
        ]
        let problems = await RunNotification.deliver(report, desired: ["jobs/import": try Self.task()], to: [receiver.url],
                                                     triggers: .standard, within: .seconds(10))
        #expect(problems.isEmpty)
        let bodies = await receiver.bodies()
        #expect(bodies.count == 1, "on-run-succeeded is off unless asked for")
        let body = try #require(bodies.first)
        #expect(!body.contains("hunter2"))
        let json = try JSONValue.parse(body)
        #expect(json["trigger"]?.stringValue == "on-run-failed" && json["runId"]?.intValue == 42)

        // Nobody listens on port 9 of loopback: the delivery fails within its limit, and says so.
        let started = ContinuousClock.now
        let failed = await RunNotification.deliver(report, desired: [:], to: ["http://127.0.0.1:9/hook/secret"], triggers: .standard,
                                                   within: .seconds(4))
        // Refused at once, or given up at the 4 s limit: far under 20 s even on a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(failed.count == 1)
        #expect(failed.first?.contains("http://127.0.0.1:9") == true)
        #expect(failed.first?.contains("secret") == false, "a URL's path is not shown")
        await receiver.service.stop()
    }

    /// A receiver on loopback that keeps the bodies POSTed to it.
    private final class Receiver: Sendable {
        let service: ListeningService
        private let store: Store
        var url: String { "http://127.0.0.1:\(service.port)/hook" }
        func bodies() async -> [String] { await store.bodies }

        init() async throws {
            let store = Store()
            let router = Router()
            router.post("/hook") { request, _ in
                let buffer = try await request.body.collect(upTo: 1 << 20)
                await store.add(String(buffer: buffer))
                return Response(status: .noContent)
            }
            var logger = Logger(label: "receiver")
            logger.logLevel = .critical
            service = try await ListeningService.start(logger: logger) { listening in
                Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                            onServerRunning: { await listening($0.localAddress?.port) }, logger: logger)
            }
            self.store = store
        }
    }

    private actor Store {
        var bodies: [String] = []
        func add(_ body: String) { bodies.append(body) }
    }
}
