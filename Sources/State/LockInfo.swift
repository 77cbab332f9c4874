import Foundation
import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Who holds the state lock and since when: the content of the lock file.
public struct LockInfo: Sendable, Hashable {
    /// What `batchctl state unlock` asks for, so a lock is removed only by someone who has read whose it is.
    public var id: String
    public var user: String
    public var host: String
    public var pid: Int32
    /// ISO 8601 UTC.
    public var created: String
    /// The command that took it: `apply`, `destroy`, `state mv`.
    public var operation: String

    public init(id: String, user: String, host: String, pid: Int32, created: String, operation: String) {
        self.id = id
        self.user = user
        self.host = host
        self.pid = pid
        self.created = created
        self.operation = operation
    }

    /// A new lock for this process.
    public static func current(operation: String) -> LockInfo {
        LockInfo(id: UUID().uuidString.lowercased(), user: currentUser(), host: currentHost(), pid: getpid(),
                 created: Timestamp.now(), operation: operation)
    }

    /// The holder's process is gone. Only knowable for a lock taken on this host; EPERM means it runs as
    /// another user, so it is alive.
    public var isStale: Bool {
        guard host == Self.currentHost(), pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// `user@host` of this process: who a state change made by hand is recorded as made by.
    public static func currentHolder() -> String {
        "\(currentUser())@\(currentHost())"
    }

    static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(geteuid())"
    }

    /// gethostname rather than ProcessInfo.hostName, which may wait for DNS.
    static func currentHost() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension LockInfo {
    var json: JSONValue {
        ["id": .string(id), "user": .string(user), "host": .string(host), "pid": .int(Int64(pid)),
         "created": .string(created), "operation": .string(operation)]
    }

    init(json: JSONValue) throws(FormatError) {
        let reader = try FieldReader(json)
        self.init(id: try reader.string("id"), user: try reader.string("user"), host: try reader.string("host"),
                  pid: try reader.int32("pid"), created: try reader.string("created"),
                  operation: try reader.string("operation"))
    }

    /// Everything a user needs to find the holder, or to decide that it is gone and remove the lock.
    public func heldMessage(statePath: String, waited: Duration?) -> String {
        var text = "\(statePath) is locked by \(user) on \(host) (pid \(pid), \(operation)) since \(created), lock id \(id)"
        if let waited, waited > .zero { text += "; still locked after waiting \(waited)" }
        if isStale {
            text += ". The lock is stale: no process \(pid) runs on this host. Remove it with `batchctl state unlock \(id)`"
        } else if host == Self.currentHost() {
            text += ". If that run is gone, remove the lock with `batchctl state unlock \(id)`"
        } else {
            text += ". It was taken on another host, so whether that run is alive cannot be seen from here; "
                + "if it is not, remove the lock with `batchctl state unlock \(id)`"
        }
        return text
    }
}
