import CYAML
import Diagnostics

/// Turns one file's libyaml events into node trees: anchors and bounded aliases, merge keys, duplicate keys,
/// core-schema scalars, and includes (through the loader, which owns caches and the include chain).
struct Composer: EventConsumer {
    /// A finished node, the number of nodes in its subtree and its height (how many levels of collections it
    /// holds: 0 for a scalar, 1 for a flat sequence); both make an alias cost O(1) to bound.
    struct Sized {
        var node: Node
        var size: Int
        var height: Int
    }

    /// The `<<` entry of a mapping, applied when the mapping ends; `index` is where its pairs go among the
    /// explicit ones.
    private struct Merge {
        var value: Node
        var index: Int
    }

    /// An open sequence or mapping; its children sit on `nodes` from `start` on.
    private struct Frame {
        var isMapping: Bool
        var start: Int
        var location: SourceLocation
        var tag: String?
        var anchor: String?
        var size = 1
        /// The height of the tallest child so far, as it stands in the finished tree.
        var childHeight = 0
        var merge: Merge?
        var awaitingMergeValue = false
        /// A sequence written as the value of `<<`: its mappings' pairs will join the mapping above it.
        var holdsMergeSources = false

        init(isMapping: Bool, start: Int, location: SourceLocation, tag: String?, anchor: String?) {
            self.isMapping = isMapping
            self.start = start
            self.location = location
            self.tag = tag
            self.anchor = anchor
        }
    }

    /// Deeper trees are refused: tearing one down (and most code walking it) recurses once per level, and a
    /// few kilobytes of brackets must not be able to overflow a thread's stack. The depth is that of the finished
    /// tree: a node an alias or an include brings counts with all its levels where it is put.
    static let maxDepth = 1_000

    let site: IncludeSite
    let loader: Loader
    let maxAliasNodes: Int
    private(set) var documents: [Sized] = []
    private var stack: [Frame] = []
    private let nodes = NodeStack()
    private var anchors: [String: Sized] = [:]
    /// Nodes copied by aliases and repeated includes so far, against `maxAliasNodes`.
    private var copiedNodes = 0
    /// Files this file has included, so a second include of one is charged like an alias.
    private var includedHere: Set<String> = []

    init(site: IncludeSite, loader: Loader, maxAliasNodes: Int) {
        self.site = site
        self.loader = loader
        self.maxAliasNodes = maxAliasNodes
    }

    private var file: String { site.display }

    mutating func handle(_ event: UnsafePointer<yaml_event_t>) throws(Diagnostic) {
        let type = event.pointee.type
        if type == YAML_SCALAR_EVENT {
            try scalar(event)
        } else if type == YAML_MAPPING_START_EVENT {
            let data = event.pointee.data.mapping_start
            try open(isMapping: true, tag: data.tag, anchor: data.anchor, mark: event.pointee.start_mark)
        } else if type == YAML_SEQUENCE_START_EVENT {
            let data = event.pointee.data.sequence_start
            try open(isMapping: false, tag: data.tag, anchor: data.anchor, mark: event.pointee.start_mark)
        } else if type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT {
            try close()
        } else if type == YAML_ALIAS_EVENT {
            try alias(event)
        } else if type == YAML_DOCUMENT_START_EVENT {
            // Anchors belong to one document.
            anchors.removeAll(keepingCapacity: true)
        }
    }

    // MARK: - Scalars

    private mutating func scalar(_ event: UnsafePointer<yaml_event_t>) throws(Diagnostic) {
        let data = event.pointee.data.scalar
        let location = EventParser.location(of: event.pointee.start_mark, file: file)
        let bytes = UnsafeBufferPointer(start: data.value, count: data.length)
        let text = String(decoding: bytes, as: UTF8.self)
        let style: Scalar.Style
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: style = .literal
        case YAML_FOLDED_SCALAR_STYLE: style = .folded
        default: style = .plain
        }
        guard let tagPointer = data.tag else {
            let resolved: Scalar.Resolved = style == .plain ? CoreSchema.resolvePlain(bytes, text: text) : .string
            let scalar = Scalar(text: text, style: style, resolved: resolved)
            if let anchor = data.anchor {
                let node = Node(content: .scalar(scalar), location: location)
                anchors[String(cString: anchor)] = Sized(node: node, size: 1, height: 0)
            }
            try add(Node(content: .scalar(scalar), location: location), size: 1, height: 0)
            return
        }
        let tag = String(cString: tagPointer)
        let node: Node
        var size = 1
        var height = 0
        switch tag {
        case "!include":
            let (included, identity) = try loader.includeDocument(text, at: location, from: site)
            // Including a file again copies it like an alias does, and nested repeats grow just as fast.
            if !includedHere.insert(identity).inserted {
                try chargeCopy(of: included.size, by: "!include \(text)", at: location)
            }
            try checkDepth(ofCopy: included.node, height: included.height, by: "!include \(text)", at: location)
            node = included.node
            size = included.size
            height = included.height
        case "!include-text":
            let contents = try loader.includeText(text, at: location, from: site)
            // The tag stays so that consumers can tell included text (data, taken as is) from written text.
            node = Node(content: .scalar(Scalar(string: contents)), location: location, tag: "!include-text")
        default:
            guard let resolved = CoreSchema.resolveTagged(tag, bytes, text: text) else {
                throw Diagnostic.error(
                    location, "\(quoted(text)) is not a valid \(shortTag(tag)): \(CoreSchema.expectation(for: tag))")
            }
            let scalar = Scalar(text: text, style: style, resolved: resolved)
            node = Node(content: .scalar(scalar), location: location, tag: tag)
        }
        if let anchor = data.anchor {
            anchors[String(cString: anchor)] = Sized(node: node, size: size, height: height)
        }
        try add(node, size: size, height: height)
    }

    // MARK: - Collections

    private mutating func open(
        isMapping: Bool, tag: UnsafeMutablePointer<yaml_char_t>?, anchor: UnsafeMutablePointer<yaml_char_t>?,
        mark: yaml_mark_t
    ) throws(Diagnostic) {
        let location = EventParser.location(of: mark, file: file)
        if stack.count >= Self.maxDepth {
            throw Diagnostic.error(location, "collections nested more than \(Self.maxDepth) levels deep")
        }
        let tag = tag.map { String(cString: $0) }
        if let tag, tag == "!include" || tag == "!include-text" {
            throw Diagnostic.error(
                location,
                "\(tag) takes a file path, not a \(isMapping ? "mapping" : "sequence"): write `\(tag) path/to/file`")
        }
        var frame = Frame(
            isMapping: isMapping, start: nodes.count, location: location, tag: tag,
            anchor: anchor.map { String(cString: $0) })
        frame.holdsMergeSources = !isMapping && stack.last?.awaitingMergeValue == true
        stack.append(frame)
    }

    private mutating func close() throws(Diagnostic) {
        guard let frame = stack.popLast() else { return }
        let node: Node
        if frame.isMapping {
            var pairs = nodes.popPairs(from: frame.start)
            try checkDuplicateKeys(pairs)
            if let merge = frame.merge { pairs = try merged(pairs, merge) }
            node = Node(content: .mapping(pairs), location: frame.location, tag: frame.tag)
        } else {
            node = Node(content: .sequence(nodes.popItems(from: frame.start)), location: frame.location, tag: frame.tag)
        }
        let height = frame.childHeight + 1
        if let anchor = frame.anchor {
            anchors[anchor] = Sized(node: node, size: frame.size, height: height)
        }
        try add(node, size: frame.size, height: height)
    }

    /// Hands a finished node to the open collection, or makes it a document root.
    private mutating func add(_ node: consuming Node, size: Int, height: Int) throws(Diagnostic) {
        let top = stack.count - 1
        guard top >= 0 else {
            documents.append(Sized(node: node, size: size, height: height))
            return
        }
        stack[top].size += size
        // A merge list's own items are counted when the list is added as the value of `<<`.
        let levelsLost = stack[top].awaitingMergeValue ? Self.levelsLost(byMergeValue: node) : 0
        stack[top].childHeight = max(stack[top].childHeight, height - levelsLost)
        if stack[top].isMapping {
            let pairIndex = (nodes.count - stack[top].start) / 2
            if stack[top].awaitingMergeValue {
                stack[top].merge = Merge(value: node, index: pairIndex)
                stack[top].awaitingMergeValue = false
                return
            }
            if (nodes.count - stack[top].start) & 1 == 0, Self.isMergeKey(node) {
                if stack[top].merge != nil {
                    throw Diagnostic.error(
                        node.location,
                        "this mapping already has a merge key `<<`; merge several mappings with `<<: [*a, *b]`")
                }
                stack[top].awaitingMergeValue = true
                return
            }
        }
        nodes.push(consume node)
    }

    /// The value of `<<` gives its pairs to the mapping that holds it: they stand one level higher than in the
    /// merged mapping, two than in a list of mappings.
    private static func levelsLost(byMergeValue node: borrowing Node) -> Int {
        if case .sequence = node.content { return 2 }
        return 1
    }

    /// How many levels a node put in the open collection now loses in the finished tree: some when it is the
    /// value of `<<`, two when it is one of the mappings of a merge list.
    private func mergeLevels(of node: borrowing Node) -> Int {
        guard let top = stack.last else { return 0 }
        if top.awaitingMergeValue { return Self.levelsLost(byMergeValue: node) }
        return top.holdsMergeSources ? 2 : 0
    }

    /// Refuses a copied node (an alias's, an include's) that would make the finished tree deeper than
    /// `maxDepth` where it is put.
    private func checkDepth(
        ofCopy node: borrowing Node, height: Int, by what: @autoclosure () -> String, at location: SourceLocation
    ) throws(Diagnostic) {
        let depth = stack.count + height - mergeLevels(of: node)
        if depth > Self.maxDepth {
            throw Diagnostic.error(location, "\(what()) nests collections \(depth) levels deep, more than \(Self.maxDepth)")
        }
    }

    /// `<<` written plainly and untagged; a quoted "<<" is an ordinary key.
    private static func isMergeKey(_ node: Node) -> Bool {
        guard node.tag == nil, case .scalar(let scalar) = node.content else { return false }
        return scalar.style == .plain && scalar.text == "<<"
    }

    // MARK: - Aliases

    private mutating func alias(_ event: UnsafePointer<yaml_event_t>) throws(Diagnostic) {
        let location = EventParser.location(of: event.pointee.start_mark, file: file)
        guard let pointer = event.pointee.data.alias.anchor else {
            throw Diagnostic.error(location, "alias without a name")
        }
        let name = String(cString: pointer)
        guard let target = anchors[name] else {
            if stack.contains(where: { $0.anchor == name }) {
                throw Diagnostic.error(
                    location,
                    "alias *\(name) refers to a node that contains it; recursive structures are not supported")
            }
            throw Diagnostic.error(
                location,
                "undefined alias *\(name); an anchor &\(name) must come earlier in the same document"
                    + Suggestion.hint(for: name, in: anchors.keys))
        }
        // Sizes are of the expanded subtree, so nested aliases are charged their full expansion up front.
        try chargeCopy(of: target.size, by: "alias *\(name)", at: location)
        try checkDepth(ofCopy: target.node, height: target.height, by: "alias *\(name)", at: location)
        var node = target.node
        node.location = location
        try add(node, size: target.size, height: target.height)
    }

    private mutating func chargeCopy(
        of size: Int, by what: @autoclosure () -> String, at location: SourceLocation
    ) throws(Diagnostic) {
        copiedNodes += size
        if copiedNodes > maxAliasNodes {
            throw Diagnostic.error(
                location,
                "\(what()) expands this file past \(maxAliasNodes) nodes; copies of copies grow exponentially "
                    + "(a \"billion laughs\" document), so the file is refused")
        }
    }

    // MARK: - Keys

    /// Scalar keys are compared by resolved value (so `1` and `0x1` clash, `1` and `"1"` do not). Small mappings
    /// are scanned pairwise: cheaper than hashing for the handful of keys most mappings have.
    private func checkDuplicateKeys(_ pairs: [Node.Pair]) throws(Diagnostic) {
        let count = pairs.count
        guard count > 1 else { return }
        if count <= 8 {
            for later in 1..<count {
                guard case .scalar(let key) = pairs[later].key.content else { continue }
                for earlier in 0..<later {
                    if case .scalar(let other) = pairs[earlier].key.content, other.isSameKey(as: key) {
                        throw duplicate(pairs[earlier].key, pairs[later].key)
                    }
                }
            }
            return
        }
        var seen = [ScalarValue: Int](minimumCapacity: count)
        for index in 0..<count {
            guard case .scalar(let key) = pairs[index].key.content else { continue }
            if let earlier = seen.updateValue(index, forKey: key.value) {
                throw duplicate(pairs[earlier].key, pairs[index].key)
            }
        }
    }

    private func duplicate(_ first: Node, _ second: Node) -> Diagnostic {
        let text = second.scalar?.text ?? ""
        return Diagnostic.error(
            second.location, "duplicate key \(quoted(text)) in this mapping",
            notes: ["\(quoted(text)) is first defined at \(first.location)"])
    }

    /// YAML 1.1 merge: explicit keys win over merged ones, and among merged mappings the earlier one wins.
    /// Merged pairs take the place of the `<<` key, so the result reads in source order.
    private func merged(_ pairs: [Node.Pair], _ merge: Merge) throws(Diagnostic) -> [Node.Pair] {
        let sources: [Node]
        switch merge.value.content {
        case .mapping: sources = [merge.value]
        case .sequence(let items): sources = items
        case .scalar:
            throw Diagnostic.error(
                merge.value.location,
                "the merge key `<<` needs a mapping or a list of mappings (such as *base or [*a, *b]), "
                    + "found \(merge.value.kindName)")
        }
        var taken = Set<ScalarValue>()
        for pair in pairs {
            if case .scalar(let key) = pair.key.content { taken.insert(key.value) }
        }
        var result = Array(pairs[..<merge.index])
        for source in sources {
            guard case .mapping(let sourcePairs) = source.content else {
                throw Diagnostic.error(
                    source.location,
                    "each entry of a `<<` merge list must be a mapping (such as *base), found \(source.kindName)")
            }
            for pair in sourcePairs {
                if case .scalar(let key) = pair.key.content, !taken.insert(key.value).inserted { continue }
                result.append(pair)
            }
        }
        result.append(contentsOf: pairs[merge.index...])
        return result
    }

    // MARK: - Messages

    private func quoted(_ text: String) -> String {
        let shown = text.count > 40 ? String(text.prefix(37)) + "..." : text
        return "'\(shown)'"
    }

    private func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}
