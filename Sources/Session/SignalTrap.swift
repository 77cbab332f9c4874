#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import UnixSignals

/// Signals taken from their default action and handed, one at a time, to a handler, until cancelled.
public final class SignalTrap: Sendable {
    private let task: Task<Void, Never>

    private init(task: Task<Void, Never>) {
        self.task = task
    }

    /// Traps `signals` (registered before this returns) and calls `handler` with each one received.
    public static func start(_ signals: [UnixSignal], _ handler: @escaping @Sendable (UnixSignal) -> Void) async -> SignalTrap {
        // Ignored from here on, not only once the sequence is set up: a signal in between must not end the process
        // with the state's lock held.
        for signalNumber in signals { signal(signalNumber.rawValue, SIG_IGN) }
        let received = await UnixSignalsSequence(trapping: signals)
        return SignalTrap(task: Task.detached {
            for await signalNumber in received { handler(signalNumber) }
        })
    }

    /// Stops handling; the signals stay ignored.
    public func cancel() {
        task.cancel()
    }
}
