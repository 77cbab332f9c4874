import Logging
import ServiceLifecycle

/// A service (a Hummingbird application) running in a service group of its own, handed over once it listens:
/// how the emulator and the controller serve HTTP.
public final class ListeningService: Sendable {
    /// The port it listens on: the one the system chose when port 0 was asked for.
    public let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.running = running
    }

    /// Runs the service `make` builds and returns once it listens. `make` is given the callback to call with the
    /// bound port when the server runs (Hummingbird's `onServerRunning`). With `stopOnSignals`, SIGTERM and SIGINT
    /// shut it down gracefully. Fails with the error that ended the service before it listened.
    public static func start(stopOnSignals: Bool = false, logger: Logger,
                             _ make: (_ listening: @escaping @Sendable (Int?) async -> Void) -> any Service) async throws -> ListeningService {
        let startup = Startup()
        let service = make { port in await startup.ready(port) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [service], gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [], logger: logger))
        let running = Task {
            do {
                try await group.run()
                await startup.failed(LaunchError(description: "the server stopped before it listened"))
            } catch {
                await startup.failed(error)
                throw error
            }
        }
        do {
            return ListeningService(port: try await startup.port(), group: group, running: running)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Stops taking connections, lets the requests in flight finish, and returns when the service has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Returns when the service has stopped (after a signal, with `stopOnSignals`).
    public func waitUntilStopped() async throws {
        try await running.value
    }
}

/// Why a service did not get to listen.
public struct LaunchError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The port from `onServerRunning`, or the error that ended the service before it got there.
private actor Startup {
    private var outcome: Result<Int, any Error>?
    private var waiting: [CheckedContinuation<Int, any Error>] = []

    func ready(_ port: Int?) {
        resolve(port.map { .success($0) } ?? .failure(LaunchError(description: "the listening socket has no port")))
    }

    func failed(_ error: any Error) {
        resolve(.failure(error))
    }

    private func resolve(_ result: Result<Int, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        for continuation in waiting { continuation.resume(with: result) }
        waiting = []
    }

    func port() async throws -> Int {
        if let outcome { return try outcome.get() }
        return try await withCheckedThrowingContinuation { waiting.append($0) }
    }
}
