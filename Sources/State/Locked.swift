import Foundation

/// A value behind a lock, for the few classes here that are shared between threads and still change.
final class Locked<Value>: @unchecked Sendable {
    // NSLock rather than Synchronization.Mutex: the package still declares macOS 14, where Mutex is unavailable.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
