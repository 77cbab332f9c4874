#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A held lock file. Not released on deinit: dropping the handle by mistake must not unlock a running apply.
public final class StateLockHandle: StateLock {
    public let info: LockInfo
    /// The lock of a run that died on this host, which this one took over.
    public let replacedStale: LockInfo?
    let lockPath: String
    private let released = Mutex(false)

    init(info: LockInfo, lockPath: String, replacedStale: LockInfo? = nil) {
        self.replacedStale = replacedStale
        self.info = info
        self.lockPath = lockPath
        HeldLocks.add(self)
    }

    /// Removes the lock file, once, and only while it still holds this lock: after a forced `state unlock`
    /// the file may belong to another run by now.
    public func release() {
        let first = released.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        HeldLocks.remove(self)
        guard case .held(let holder) = LockFile.read(lockPath), holder.id == info.id else { return }
        unlink(lockPath)
    }
}
