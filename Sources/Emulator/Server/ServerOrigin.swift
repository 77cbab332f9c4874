import Synchronization

/// The emulator's own origin, `http://HOST:PORT` as it listens (with the port it got when port 0 was asked for):
/// every absolute link it writes starts with it (`odata.nextLink`, the login service's URLs, the tenant status).
///
/// Our choice: links never repeat the request's Host. A client that follows a link sends its credentials there, so
/// a link names this server whatever a request claimed; a client that reaches the emulator by another name (a
/// tunnel, a container's host name) follows a link on its own endpoint, as batchctl's client does.
final class ServerOrigin: Sendable {
    private let address: Mutex<ListenAddress>

    init(_ address: ListenAddress) {
        self.address = Mutex(address)
    }

    /// Records the port the server listens on, once it does.
    func listening(on port: Int) {
        address.withLock { $0.port = port }
    }

    /// `http://127.0.0.1:8405`, `http://[::1]:8405`.
    var url: String {
        "http://\(address.withLock { $0 })"
    }
}
