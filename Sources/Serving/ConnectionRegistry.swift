import NIOCore
import Synchronization

/// The open connections of one server, oldest first, and whether each waits for a request or is being answered:
/// past the cap, a new connection closes the oldest one that only waits. A client that opens connections and sends
/// half a request cannot keep anyone else out, and the server never holds more than the cap (and the newcomer) in
/// file descriptors.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var id: Int
        var channel: any Channel
        var waiting: Bool
    }

    private let maximum: Int
    private let state = Mutex<(next: Int, entries: [Entry])>((0, []))

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Registers a new connection (waiting for its first request) and returns its number; past the cap, closes
    /// the oldest waiting connection, or this one when every other is being answered.
    func opened(_ channel: any Channel) -> Int {
        let (id, evicted) = state.withLock { state -> (Int, (any Channel)?) in
            let id = state.next
            state.next += 1
            state.entries.append(Entry(id: id, channel: channel, waiting: true))
            guard state.entries.count > maximum else { return (id, nil) }
            let index = state.entries.firstIndex(where: \.waiting) ?? state.entries.count - 1
            return (id, state.entries.remove(at: index).channel)
        }
        evicted?.close(promise: nil)
        return id
    }

    /// Whether connection `id` waits for a request (true) or has one being read or answered (false).
    func setWaiting(_ id: Int, _ waiting: Bool) {
        state.withLock { state in
            if let index = state.entries.firstIndex(where: { $0.id == id }) { state.entries[index].waiting = waiting }
        }
    }

    func closed(_ id: Int) {
        state.withLock { state in state.entries.removeAll { $0.id == id } }
    }

    /// How many connections are open.
    var count: Int { state.withLock { $0.entries.count } }
}
