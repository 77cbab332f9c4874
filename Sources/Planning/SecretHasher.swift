import BatchTask
import Crypto
import JSON

/// How the state records a secret: never the value, but a marker with a keyed hash of it,
/// `(sensitive) hmac-sha256:<hex>`, HMAC-SHA256 with the state's own key (`SecretKey`, kept apart from the state)
/// over the value's canonical JSON. A task with a secret gets a keyed fingerprint too.
///
/// The threat it answers: a state file that leaks (committed to git, left in a backup, read by someone who may
/// read the state but not the key) must not let anyone test guesses of a secret offline, nor tell how long it is.
/// An unkeyed hash allowed both. Whoever holds the key as well as the state can still test guesses; keep the key
/// where the secrets themselves are kept.
///
/// States from before keys hold `(sensitive) sha256:<hex>`, unkeyed: those markers are still compared (`matches`),
/// and the next apply rewrites them keyed (`StateSession`).
public struct SecretHasher: Sendable {
    private let key: SymmetricKey?

    /// Markers as states before keys wrote them; for reading such a state when no key exists yet.
    public static let unkeyed = SecretHasher(key: nil)

    public static let keyedPrefix = Fingerprint.markerPrefix + "hmac-sha256:"
    public static let unkeyedPrefix = Fingerprint.markerPrefix + "sha256:"

    public init(key: [UInt8]?) {
        self.key = key.map { SymmetricKey(data: $0) }
    }

    public var isKeyed: Bool { key != nil }

    /// What the state keeps in place of the secret `value`.
    public func marker(for value: JSONValue) -> JSONValue {
        guard let key else { return Fingerprint.sensitiveMarker(for: value) }
        return .string(Fingerprint.hex(Self.keyedPrefix, mac(Fingerprint.canonical(value).serializedBytes(), key)))
    }

    /// Whether `marker`, as a state recorded it, is the marker of `value`: keyed markers with this hasher's key,
    /// unkeyed ones (from before keys) by their plain hash. False for a keyed marker when there is no key.
    public func matches(_ value: JSONValue, _ marker: JSONValue) -> Bool {
        guard case .string(let text) = marker else { return false }
        if text.hasPrefix(Self.keyedPrefix) {
            guard key != nil else { return false }
            return self.marker(for: value) == marker
        }
        if text.hasPrefix(Self.unkeyedPrefix) { return Fingerprint.sensitiveMarker(for: value) == marker }
        return false
    }

    /// The fingerprint of a task with a secret: keyed, as its markers are (an unkeyed one would be a hash of the
    /// secret among fields the state shows).
    public func fingerprint(of info: BatchTaskInfo) -> String {
        guard let key else { return Fingerprint.of(task: info) }
        return Fingerprint.hex("hmac-sha256:", mac(Fingerprint.canonicalBytes(of: info), key))
    }

    /// Whether a recorded value is a marker from before keys.
    public static func isUnkeyed(_ recorded: JSONValue) -> Bool {
        if case .string(let text) = recorded { return text.hasPrefix(unkeyedPrefix) }
        return false
    }

    private func mac(_ bytes: [UInt8], _ key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }
}
