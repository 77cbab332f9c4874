import Dispatch
import Synchronization

/// Every state lock this process holds, so that a command interrupted by a signal can let go of them on its way
/// out, instead of leaving them for the next run to take over as stale.
public enum HeldLocks {
    private static let locks = Mutex<[String: any StateLock]>([:])

    public static func add(_ lock: any StateLock) {
        locks.withLock { $0[lock.info.id] = lock }
    }

    public static func remove(_ lock: any StateLock) {
        locks.withLock { $0[lock.info.id] = nil }
    }

    /// How many locks are held now.
    public static var count: Int { locks.withLock { $0.count } }

    /// Releases every held lock, waiting at most `timeout` for those a database holds; returns how many were
    /// released in time. For a signal handler's thread, which may block; a lock file goes at once.
    public static func releaseAll(timeout: Duration) -> Int {
        let held = locks.withLock { Array($0.values) }
        var released = 0
        var remote: [any StateLock] = []
        for lock in held {
            if let file = lock as? StateLockHandle {
                file.release()
                released += 1
            } else {
                remote.append(lock)
            }
        }
        guard !remote.isEmpty else { return released }
        let done = DispatchSemaphore(value: 0)
        let finished = Count()
        for lock in remote {
            Task.detached {
                await lock.release()
                finished.add()
                done.signal()
            }
        }
        let milliseconds = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        let deadline = DispatchTime.now() + .milliseconds(milliseconds)
        for _ in remote where done.wait(timeout: deadline) == .success {}
        return released + finished.value
    }

    private final class Count: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
