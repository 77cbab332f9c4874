import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, which a lost answer closes.
struct EmulatorRequestContext: RequestContext {
    /// api.md: bodies over 1 MiB get 413.
    static let maximumBodySize = 1 << 20

    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    var maxUploadSize: Int { Self.maximumBodySize }
}
