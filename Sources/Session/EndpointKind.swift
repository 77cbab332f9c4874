/// Which kind of API a run talks to, as `--endpoint`, `BATCHCTL_ENDPOINT` or the project names it.
public enum EndpointKind: Sendable, Hashable {
    /// The emulator inside this process, started for the run and stopped after it.
    case embedded
    /// An API at an http(s) URL, with credentials from the environment (or none).
    case url(String)

    /// What `--endpoint` takes for the emulator inside this process.
    public static let embeddedName = "embedded"

    /// `embedded`, or any other text as a URL (checked where it is resolved).
    public init(_ text: String) {
        self = text == Self.embeddedName ? .embedded : .url(text)
    }

    /// The text the state is bound to: the URL as given, or `embedded`.
    public var name: String {
        switch self {
        case .embedded: Self.embeddedName
        case .url(let url): url
        }
    }

    public var isEmbedded: Bool { self == .embedded }

    /// The URL of an API at one; nil for the embedded emulator.
    public var apiURL: String? {
        if case .url(let url) = self { url } else { nil }
    }
}
