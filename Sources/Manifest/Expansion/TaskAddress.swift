/// The rule for a task's address, `<set name>/<key>`, as expansion makes them.
public enum TaskAddress {
    /// What is wrong with `address`, or nil when it is one a manifest could give a task.
    public static func problem(_ address: String) -> String? {
        let parts = address.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "'\(address)' is not an address: write <set>/<key>" }
        if !SetExpander.isValidSetName(String(parts[0])) {
            return "'\(parts[0])' is not a set name: 1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
        }
        if !SetExpander.isValidKey(String(parts[1])) {
            return "'\(parts[1])' is not a key: 1 to 200 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
        }
        return nil
    }

    /// The address a manifest's reference names: `set/key` as written, or a bare key of `set`.
    public static func address(_ reference: String, inSet set: String) -> String {
        reference.contains("/") ? reference : "\(set)/\(reference)"
    }

    /// Whether a text is a set name: `[a-z0-9][a-z0-9._-]{0,62}`.
    public static func isValidSetName(_ text: String) -> Bool { SetExpander.isValidSetName(text) }

    /// Whether a text is a key: `[A-Za-z0-9][A-Za-z0-9._-]{0,199}`.
    public static func isValidKey(_ text: String) -> Bool { SetExpander.isValidKey(text) }
}
