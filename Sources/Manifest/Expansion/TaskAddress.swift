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
}
