import Synchronization

/// The loop's pause between cycles, which a reconcile request (SIGHUP, `POST /reconcile`) or a stop ends early.
/// A wake while the loop is busy is kept, so the next pause ends at once.
final class Waker: Sendable {
    private struct Waiting {
        var pending = false
        var continuation: CheckedContinuation<Void, Never>?
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(Waiting())

    /// Returns after `delay`, or sooner when woken.
    func pause(for delay: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { waiting -> Bool in
                if waiting.pending {
                    waiting.pending = false
                    return true
                }
                waiting.continuation = continuation
                waiting.timer = Task { [weak self] in
                    try? await Task.sleep(for: delay)
                    guard !Task.isCancelled else { return }
                    self?.resume(keep: false)
                }
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Ends the pause now, or the next one as soon as it begins.
    func wake() {
        resume(keep: true)
    }

    private func resume(keep: Bool) {
        let continuation = state.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard let continuation = waiting.continuation else {
                if keep { waiting.pending = true }
                return nil
            }
            waiting.continuation = nil
            waiting.timer?.cancel()
            waiting.timer = nil
            return continuation
        }
        continuation?.resume()
    }
}

/// How long the loop waits after a cycle: the interval after a success; after a failure 2 s, three times as long
/// after each further failure in a row, at most 5 minutes; jitter on either.
public struct Backoff: Sendable, Hashable {
    public var interval: Duration
    /// A fraction (0 to 1) of each wait, added or taken at random, so replicas and restarts spread out.
    public var jitter: Double

    public static let first: Duration = .seconds(2)
    public static let factor = 3
    public static let cap: Duration = .seconds(300)

    public init(interval: Duration, jitter: Double) {
        self.interval = interval
        self.jitter = jitter
    }

    /// The wait after a cycle, when `failures` cycles in a row have failed (0 after a success), before jitter.
    public func delay(failures: Int) -> Duration {
        guard failures > 0 else { return interval }
        var delay = Self.first
        for _ in 1..<min(failures, 20) where delay < Self.cap { delay *= Self.factor }
        return min(delay, Self.cap)
    }

    /// `delay` with jitter: `draw` is a uniform number in -1...1.
    public func jittered(_ delay: Duration, draw: Double) -> Duration {
        let factor = 1 + max(0, min(jitter, 1)) * max(-1, min(draw, 1))
        return delay * factor
    }
}
