#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Reconcile
import State
import Synchronization

/// SIGINT and SIGTERM for runs that take the state's lock. While a plan is carried out, the first signal stops
/// sending and lets the requests in flight finish; the second leaves at once (the journal keeps the rest). At any
/// other moment (loading, refreshing, asking for confirmation) the process leaves at once. Either way the state's
/// lock is released on the way out, not left for the next run to take over as stale.
public enum SignalGuard {
    private struct Guarded: Sendable {
        var installed = false
        var cancellation: CancellationFlag?
        var reporter: (any SessionReporter)?
        var trap: SignalTrap?
    }

    private static let state = Mutex(Guarded())

    /// Installs the handlers, once per process; `reporter` hears what each signal did.
    public static func install(reporter: (any SessionReporter)?) async {
        let first = state.withLock { state in
            defer { state.installed = true }
            if state.reporter == nil { state.reporter = reporter }
            return !state.installed
        }
        guard first else { return }
        let trap = await SignalTrap.start([.sigint, .sigterm]) { received($0.rawValue) }
        state.withLock { $0.trap = trap }
    }

    /// While a plan is carried out, a first signal cancels `cancellation`; nil when the execution ends.
    public static func executing(_ cancellation: CancellationFlag?) {
        state.withLock { $0.cancellation = cancellation }
    }

    private static func received(_ signalNumber: Int32) {
        let (cancellation, reporter) = state.withLock { ($0.cancellation, $0.reporter) }
        if let cancellation {
            if !cancellation.isCancelled {
                cancellation.cancel()
                reporter?.interrupted(.stopping)
                return
            }
            reporter?.interrupted(.leavingNow)
        } else {
            reporter?.interrupted(.leaving)
        }
        let held = HeldLocks.count
        let released = HeldLocks.releaseAll(timeout: .seconds(5))
        if held > 0 { reporter?.interrupted(.locksReleased(released == held)) }
        exit(128 + signalNumber)
    }
}
