import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which of several controllers of one state applies: the one that holds the lease. The others serve status.
///
/// A lease guards liveness, not safety: two leaders at once (a lease that ran out under a stalled process) still
/// take the state's lock in turn, and the journal keeps each request once.
public protocol LeaderLease: Sendable {
    /// Whether several controllers may share the state (PostgreSQL); a file state has one controller.
    var allowsReplicas: Bool { get }
    /// Takes the lease, or renews it when held; `.following` names who holds it.
    func acquire() async throws(StateError) -> LeaseStanding
    /// Lets go, so another controller leads at once; later calls do nothing.
    func resign() async
}

/// Whether this controller leads.
public enum LeaseStanding: Sendable, Hashable {
    /// It leads; `tookOver` is the holder whose process had died, when the lease was taken from one.
    case leading(tookOver: LockInfo?)
    case following(LockInfo)

    public var isLeading: Bool {
        if case .leading = self { return true }
        return false
    }
}

/// The one controller of a state file: an exclusive `flock` on `<state>.controller`, let go by the kernel when the
/// process ends however it ends. Its holder is written into the file, for the message a second controller gets.
public final class SingleControllerLease: LeaderLease {
    public let path: String
    private let holder: LockInfo
    private let descriptor: Mutex<Int32?> = Mutex(nil)

    public var allowsReplicas: Bool { false }

    public init(statePath: String, holder: LockInfo) {
        path = statePath + ".controller"
        self.holder = holder
    }

    public func acquire() async throws(StateError) -> LeaseStanding {
        try descriptor.withLock { (held: inout Int32?) throws(StateError) -> LeaseStanding in
            if held != nil { return .leading(tookOver: nil) }
            // The state's folder may not exist before the first save.
            if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                try? FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
            }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw StateError.io("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let other = Self.readHolder(fd)
                close(fd)
                return .following(other ?? LockInfo(id: "", user: "unknown", host: "unknown", pid: 0, created: "", operation: "controller"))
            }
            let bytes = holder.encoded()
            _ = ftruncate(fd, 0)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            held = fd
            return .leading(tookOver: nil)
        }
    }

    public func resign() async {
        descriptor.withLock { held in
            guard let fd = held else { return }
            _ = ftruncate(fd, 0)
            close(fd)  // lets go of the flock
            held = nil
        }
    }

    private static func readHolder(_ fd: Int32) -> LockInfo? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return try? LockInfo.decode(Array(buffer.prefix(count)), place: "controller lease")
    }
}

extension LocalStateBackend {
    /// A state file has one controller: the lease is a `flock` beside the file, and never runs out.
    public func leaderLease(holder: LockInfo, duration: Duration) -> (any LeaderLease)? {
        SingleControllerLease(statePath: path, holder: holder)
    }
}
