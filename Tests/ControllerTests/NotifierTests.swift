@testable import Controller
import Foundation
import Hummingbird
import Logging
import Serving
import Testing

/// Notifications over loopback to real receivers.
@Suite struct NotifierTests {
    /// A receiver on `host` that counts POSTs and answers each with `answer`.
    private final class Receiver: Sendable {
        let service: ListeningService
        let host: String
        private let counter: Counter

        var url: String { "http://\(host):\(service.port)/hook" }
        func received() async -> Int { await counter.value }

        init(host: String, answer: @escaping @Sendable () -> Response) async throws {
            let counter = Counter()
            let router = Router()
            router.post("/hook") { _, _ in
                await counter.add()
                return answer()
            }
            var logger = Logger(label: "receiver")
            logger.logLevel = .critical
            service = try await ListeningService.start(logger: logger) { listening in
                Application(router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: 0)),
                            onServerRunning: { await listening($0.localAddress?.port) }, logger: logger)
            }
            self.host = host
            self.counter = counter
        }
    }

    private actor Counter {
        var value = 0
        func add() { value += 1 }
    }

    private static let status = ControllerStatus(
        workspace: "default", endpoint: "embedded", stateDescription: "batchctl.state.json", mode: "test", leading: true,
        started: "2026-12-01T00:00:00Z", interval: .seconds(60))

    @Test func aRedirectIsNotFollowedToAnotherHost() async throws {
        let elsewhere = try await Receiver(host: "127.0.0.2") { Response(status: .ok) }
        let target = elsewhere.url
        let redirecting = try await Receiver(host: "127.0.0.1") {
            Response(status: .temporaryRedirect, headers: [.location: target])
        }
        let notifier = try Notifier(urls: [redirecting.url], logger: Logger(label: "test"))
        notifier.send(.deployed, message: "changes applied", status: Self.status)
        let deadline = ContinuousClock.now + .seconds(10)
        while await redirecting.received() == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Time for a redirect to be followed, were it followed.
        try await Task.sleep(for: .milliseconds(300))
        await notifier.shutdown()
        #expect(await redirecting.received() == 1, "a redirect is not asked again")
        #expect(await elsewhere.received() == 0, "the notification went on to the redirect's target")
        await redirecting.service.stop()
        await elsewhere.service.stop()
    }

    @Test func aNotifyURLWithABadPortIsRefusedNamingTheFlag() {
        for url in ["http://127.0.0.1:99999/x", "http://127.0.0.1:abc/x", "ftp://example.com/x", "http:///x"] {
            #expect {
                _ = try Notifier(urls: [url], logger: Logger(label: "test"))
            } throws: { error in
                "\(error)".hasPrefix("--notify-url ")
            }
        }
    }
}
