import APIClient
import AsyncHTTPClient
import Foundation
import JSON
import Logging
import NIOCore
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

    public static let attempts = 3
    public static let timeout: TimeAmount = .seconds(5)

    /// Refuses a URL that is not one `check(url:)` accepts, naming `--notify-url`.
    public init(urls: [String], logger: Logger) throws(ClientError) {
        for url in urls { try Self.check(url: url) }
        self.urls = urls
        self.logger = logger
        var settings = HTTPClient.Configuration()
        // A redirect would carry the notification (and whatever the receiver's URL keeps secret in its path) to
        // wherever it points: a redirect is reported, not followed, as the API and login clients do.
        settings.redirectConfiguration = .disallow
        settings.tracing.tracer = nil
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        self.http = http
        var queues: [AsyncStream<[UInt8]>.Continuation] = []
        var workers: [Task<Void, Never>] = []
        for url in urls {
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(100))
            queues.append(continuation)
            workers.append(Task {
                for await body in stream { await Self.deliver(body, to: url, http: http, logger: logger) }
            })
        }
        self.queues = queues
        self.workers = workers
    }

    public var isEmpty: Bool { urls.isEmpty }

    /// Queues a notification; returns at once.
    public func send(_ trigger: NotificationTrigger, message: String, status: ControllerStatus, details: [(String, JSONValue)] = []) {
        guard !urls.isEmpty else { return }
        var object: [(String, JSONValue)] = [
            ("trigger", .string(trigger.rawValue)), ("time", .string(Timestamp.now())), ("message", .string(message)),
            ("workspace", .string(status.workspace)), ("endpoint", .string(status.endpoint)),
        ]
        object += details
        object.append(("sets", .array(status.sets.map(ControllerStatus.json))))
        let body = JSONValue.object(.init(object, uniquingKeysWith: { first, _ in first })).serializedBytes(pretty: false)
        for queue in queues { queue.yield(body) }
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

    private static func deliver(_ bytes: [UInt8], to url: String, http: HTTPClient, logger: Logger) async {
        for attempt in 1...attempts {
            guard !Task.isCancelled else { return }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "batchctl-controller")
            request.body = .bytes(ByteBuffer(bytes: bytes))
            var problem: String
            do {
                let response = try await http.execute(request, timeout: timeout)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return }
                if (300..<400).contains(response.status.code) {
                    // Asking again gets the same redirect.
                    logger.warning("notification to \(shown(url)) answered \(response.status.code), a redirect, which is not followed; give the URL it points to")
                    return
                }
                problem = "answered \(response.status.code)"
            } catch {
                problem = "could not be reached (\(type(of: error)))"
            }
            if attempt == attempts {
                logger.warning("notification to \(shown(url)) \(problem); given up after \(attempts) attempts")
                return
            }
            try? await Task.sleep(for: .seconds(attempt))
        }
    }
}
