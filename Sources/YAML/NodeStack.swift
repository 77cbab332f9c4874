/// The finished children of every open collection, in document order, in one buffer. When a collection ends
/// its children are moved (not copied) into an array of exactly their count: one allocation per collection
/// instead of an array grown step by step, and no retain/release traffic on the way.
final class NodeStack {
    private var base: UnsafeMutablePointer<Node>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func push(_ node: consuming Node) {
        if count == capacity { grow() }
        (base + count).initialize(to: consume node)
        count += 1
    }

    /// The nodes from `start` to the top, removed from the stack.
    func popItems(from start: Int) -> [Node] {
        let n = count - start
        let items = [Node](unsafeUninitializedCapacity: n) { buffer, initialized in
            guard n > 0, let destination = buffer.baseAddress else { return }
            destination.moveInitialize(from: base + start, count: n)
            initialized = n
        }
        count = start
        return items
    }

    /// The nodes from `start` to the top, taken as key, value, key, value..., removed from the stack.
    func popPairs(from start: Int) -> [Node.Pair] {
        let n = count - start
        let pairCount = n / 2
        let pairs = [Node.Pair](unsafeUninitializedCapacity: pairCount) { buffer, initialized in
            guard pairCount > 0, let destination = buffer.baseAddress else { return }
            var source = base + start
            for index in 0..<pairCount {
                (destination + index).initialize(to: Node.Pair(key: source.move(), value: (source + 1).move()))
                source += 2
            }
            initialized = pairCount
        }
        // libyaml always pairs keys with values; a lone key would only be left by a parser bug.
        if n % 2 == 1 { (base + count - 1).deinitialize(count: 1) }
        count = start
        return pairs
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Node>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
