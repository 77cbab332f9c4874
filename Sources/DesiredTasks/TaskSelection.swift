/// `--target`, `--exclude` and `--selector`: which expanded tasks a command works on.
public struct TaskSelection: Sendable {
    public var targets: [Glob] = []
    public var excludes: [Glob] = []
    /// `key=value` label pairs; a task is selected when its set has every one.
    public var selectors: [(key: String, value: String)] = []

    /// Every task.
    public static let everything = TaskSelection(nothingSelected: ())

    private init(nothingSelected: Void) {}

    public init(targets: [String] = [], excludes: [String] = [], selectors: [String] = []) throws(SelectionError) {
        self.targets = targets.map(Glob.init)
        self.excludes = excludes.map(Glob.init)
        for selector in selectors {
            guard let equals = selector.firstIndex(of: "="), equals != selector.startIndex else {
                throw SelectionError(message: "--selector takes key=value, not '\(selector)'")
            }
            self.selectors.append((String(selector[..<equals]), String(selector[selector.index(after: equals)...])))
        }
    }

    public var isEverything: Bool { targets.isEmpty && excludes.isEmpty && selectors.isEmpty }

    /// True when the address (and its set's labels) is selected; without labels, only a selector-free selection
    /// can include it. Cheap when everything is selected: every check below is then over an empty list.
    public func includes(address: String, labels: [String: String] = [:]) -> Bool {
        if !targets.isEmpty && !targets.contains(where: { $0.matches(address) }) { return false }
        if excludes.contains(where: { $0.matches(address) }) { return false }
        return selectors.allSatisfy { labels[$0.key] == $0.value }
    }

    /// The selected tasks, in order.
    public func apply(to result: ExpansionResult) -> [DesiredTask] {
        guard !isEverything else { return result.tasks }
        var labels: [String: [String: String]] = [:]
        for set in result.sets { labels[set.name] = set.labels }
        return result.tasks.filter { includes(address: $0.address, labels: labels[$0.setName] ?? [:]) }
    }

    /// `--target` and `--exclude` patterns that match none of `addresses`, as the flag was written
    /// (`--target nightly/x*`): a pattern that selects nothing is most likely a typo, and a plan that silently
    /// does nothing because of one reads as "no changes".
    public func patternsMatchingNothing<Addresses: Sequence<String>>(in addresses: Addresses) -> [String] {
        var unmatched = targets.map { (flag: "--target", glob: $0) } + excludes.map { (flag: "--exclude", glob: $0) }
        guard !unmatched.isEmpty else { return [] }
        for address in addresses {
            unmatched.removeAll { $0.glob.matches(address) }
            if unmatched.isEmpty { return [] }
        }
        return unmatched.map { "\($0.flag) \($0.glob.pattern)" }
    }

}
