import APIClient
import AsyncHTTPClient
import Foundation
import JSON
import Logging
import NIOCore
import Reconcile
import State

/// What a notifier is told, as Argo CD's notification triggers name it.
public enum NotificationTrigger: String, Sendable, CaseIterable {
    /// A cycle failed (a manifest error, the API, the state).
    case syncFailed = "on-sync-failed"
    /// Drift was first seen on tasks.
    case healthDegraded = "on-health-degraded"
    /// A cycle applied changes.
    case deployed = "on-deployed"
}

/// Sends each notification as a JSON POST to every `--notify-url`, each receiver from a queue of its own: one that
/// is slow or down delays only its own later notifications, never the loop or another receiver. Each POST has a
/// timeout and is tried three times; when a queue is full its oldest waiting notification is dropped.
public final class Notifier: Sendable {
    /// Where, as given; shown only as `scheme://host[:port]`, since a webhook URL's path is often its secret.
    private let urls: [String]
    private let queues: [AsyncStream<[UInt8]>.Continuation]
    private let workers: [Task<Void, Never>]
    private let http: HTTPClient
    private let logger: Logger
    /// Which notifications are sent.
    public let triggers: NotificationTriggers

    public static let attempts = 3
    public static let timeout: TimeAmount = .seconds(5)

    /// Refuses a URL that is not one `check(url:)` accepts, naming `--notify-url`. `triggers` says which
    /// notifications are sent (`--notify-on`); by default, all but `on-run-succeeded`.
    public init(urls: [String], triggers: NotificationTriggers = .standard, logger: Logger) throws(ClientError) {
        for url in urls { try Self.check(url: url) }
        self.urls = urls
        self.triggers = triggers
        self.logger = logger
        let http = Self.client()
        self.http = http
        var queues: [AsyncStream<[UInt8]>.Continuation] = []
        var workers: [Task<Void, Never>] = []
        for url in urls {
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(100))
            queues.append(continuation)
            workers.append(Task {
                for await body in stream {
                    if let problem = await Self.deliver(body, to: url, http: http, userAgent: "batchctl-controller", until: nil) {
                        logger.warning("\(problem)")
                    }
                }
            })
        }
        self.queues = queues
        self.workers = workers
    }

    /// A client that reports a redirect rather than follow it: a redirect would carry the notification (and whatever
    /// the receiver's URL keeps secret in its path) to wherever it points, as the API and login clients refuse to.
    private static func client() -> HTTPClient {
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    public var isEmpty: Bool { urls.isEmpty }

    /// Queues a notification; returns at once.
    public func send(_ trigger: NotificationTrigger, message: String, status: ControllerStatus, details: [(String, JSONValue)] = []) {
        guard !urls.isEmpty, triggers.includes(trigger.rawValue) else { return }
        var object: [(String, JSONValue)] = [
            ("trigger", .string(trigger.rawValue)), ("time", .string(Timestamp.now())), ("message", .string(message)),
            ("workspace", .string(status.workspace)), ("endpoint", .string(status.endpoint)),
        ]
        object += details
        object.append(("sets", .array(status.sets.map(ControllerStatus.json))))
        let body = JSONValue.object(.init(object, uniquingKeysWith: { first, _ in first })).serializedBytes(pretty: false)
        for queue in queues { queue.yield(body) }
    }

    /// Queues a notification of each run event whose trigger is on; returns at once. The events' texts are sent
    /// as they are: redact them first (`RunNotification.redacted`).
    public func send(_ events: [RunEvent]) {
        guard !urls.isEmpty else { return }
        let time = Timestamp.now()
        for event in events where triggers.includes(event.trigger.rawValue) {
            let body = RunNotification.payload(event, time: time).serializedBytes(pretty: false)
            for queue in queues { queue.yield(body) }
        }
    }

    /// Sends a notification of each run event whose trigger is on to every URL, and waits for them to go out, at
    /// most `limit`: what a command that ends after it does. Returns what did not go out, one line per receiver.
    public static func deliver(_ events: [RunEvent], to urls: [String], triggers: NotificationTriggers,
                               within limit: Duration) async -> [String] {
        let time = Timestamp.now()
        let bodies = events.filter { triggers.includes($0.trigger.rawValue) }
            .map { RunNotification.payload($0, time: time).serializedBytes(pretty: false) }
        guard !bodies.isEmpty, !urls.isEmpty else { return [] }
        let http = client()
        let deadline = ContinuousClock.now + limit
        let problems = await withTaskGroup(of: String?.self) { group in
            for url in urls {
                group.addTask {
                    var failed = 0
                    var last: String?
                    for body in bodies {
                        if let problem = await deliver(body, to: url, http: http, userAgent: "batchctl", until: deadline) {
                            failed += 1
                            last = problem
                        }
                    }
                    guard let last else { return nil }
                    return failed == 1 ? last : "\(failed) of \(bodies.count) notifications to \(shown(url)) did not go out; the last: \(last)"
                }
            }
            var problems: [String] = []
            for await problem in group { if let problem { problems.append(problem) } }
            return problems
        }
        try? await http.shutdown()
        return problems.sorted()
    }

    /// Stops taking notifications and waits up to `timeout` for those queued to go out.
    public func shutdown(timeout: Duration = .seconds(3)) async {
        for queue in queues { queue.finish() }
        let workers = self.workers
        let timer = Task {
            try? await Task.sleep(for: timeout)
            for worker in workers { worker.cancel() }
        }
        for worker in workers { await worker.value }
        timer.cancel()
        try? await http.shutdown()
    }

    /// Refuses a notify URL that is not http(s) with a host and a port from 1 to 65535, naming `--notify-url`.
    public static func check(url: String) throws(ClientError) {
        _ = try CheckedURL(url, named: "--notify-url")
    }

    /// `scheme://host[:port]` of a URL: what messages say of a notifier.
    public static func shown(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "a notify URL"
        }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// Posts one notification, tried up to `attempts` times (before `deadline`, when one is given); nil once a
    /// receiver took it, or what went wrong.
    private static func deliver(_ bytes: [UInt8], to url: String, http: HTTPClient, userAgent: String,
                                until deadline: ContinuousClock.Instant?) async -> String? {
        for attempt in 1...attempts {
            guard !Task.isCancelled else { return "notification to \(shown(url)) was not sent: batchctl stopped first" }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: userAgent)
            request.body = .bytes(ByteBuffer(bytes: bytes))
            var wait = timeout
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return "notification to \(shown(url)) was not sent in time" }
                wait = min(wait, TimeAmount.nanoseconds(Int64(left.seconds * 1e9)))
            }
            var problem: String
            do {
                let response = try await http.execute(request, timeout: wait)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return nil }
                if (300..<400).contains(response.status.code) {
                    // Asking again gets the same redirect.
                    return "notification to \(shown(url)) answered \(response.status.code), a redirect, which is not followed; give the URL it points to"
                }
                problem = "answered \(response.status.code)"
            } catch {
                problem = "could not be reached (\(type(of: error)))"
            }
            if attempt == attempts { return "notification to \(shown(url)) \(problem); given up after \(attempts) attempts" }
            let pause = Duration.seconds(attempt)
            if let deadline, ContinuousClock.now + pause >= deadline {
                return "notification to \(shown(url)) \(problem); no time left to try again"
            }
            try? await Task.sleep(for: pause)
        }
        return nil
    }
}
