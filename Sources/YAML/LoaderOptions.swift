/// Limits a load run applies: where includes may reach and how far aliases may expand.
public struct LoaderOptions: Sendable {
    /// Directory that `!include` may not leave; nil for no restriction.
    public var root: String?
    /// Lets includes leave `root` (the `--allow-include-outside` flag).
    public var allowIncludeOutside: Bool
    /// Bound on nodes produced by alias expansion (and by including one file again) per file, so a "billion
    /// laughs" document fails instead of exhausting memory or the time of whoever walks the tree.
    public var maxAliasNodes: Int

    public init(root: String? = nil, allowIncludeOutside: Bool = false, maxAliasNodes: Int = 1_000_000) {
        self.root = root
        self.allowIncludeOutside = allowIncludeOutside
        self.maxAliasNodes = maxAliasNodes
    }
}
