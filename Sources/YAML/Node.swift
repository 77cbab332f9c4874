import Diagnostics

/// One YAML node with the position it was written at, after aliases, merge keys and includes are resolved.
public struct Node: Sendable {
    /// What the node holds; mappings keep their pairs in source order.
    public enum Content: Sendable {
        case scalar(Scalar)
        case sequence([Node])
        case mapping([Pair])
    }

    /// A key and its value, both nodes so both keep their positions.
    public struct Pair: Sendable {
        public var key: Node
        public var value: Node

        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var content: Content
    /// Where the node starts. For an alias, where the alias is written (its children keep their anchor positions).
    public var location: SourceLocation
    /// The explicit tag as libyaml resolved it (`tag:yaml.org,2002:str`, `!foo`, `!`); nil when none was written.
    public var tag: String?

    public init(content: Content, location: SourceLocation, tag: String? = nil) {
        self.content = content
        self.location = location
        self.tag = tag
    }

    public var scalar: Scalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mappingPairs: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The resolved scalar value, or nil for collections.
    public var value: ScalarValue? { scalar?.value }

    /// The string value of a string scalar (quoted, block, `!!str`, or plain text that is not null/bool/number).
    public var string: String? { scalar?.value.string }

    public var isNull: Bool { scalar?.value == .null }

    /// A word for error messages: "a mapping", "a sequence", or the scalar's kind ("a string", "null", ...).
    public var kindName: String {
        switch content {
        case .scalar(let scalar): return scalar.value.kindName
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }

    /// The value of the first pair whose key is a scalar with this text; nil when absent or not a mapping.
    public subscript(key: String) -> Node? {
        pair(forKey: key)?.value
    }

    /// The first pair whose key is a scalar with this text, so callers can point at the key itself.
    public func pair(forKey key: String) -> Pair? {
        guard case .mapping(let pairs) = content else { return nil }
        for pair in pairs {
            if case .scalar(let scalar) = pair.key.content, scalar.text == key { return pair }
        }
        return nil
    }
}
