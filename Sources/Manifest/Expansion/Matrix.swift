import Diagnostics
import Expressions
import OrderedCollections
import YAML

/// A task entry's matrix: axes whose cartesian product (first axis slowest), less `exclude`, plus `include`.
struct Matrix: Sendable {
    struct Axis: Sendable {
        var name: String
        var values: [Value]
        var location: SourceLocation
    }

    var axes: [Axis] = []
    var excludes: [[(slot: Int, value: Value)]] = []
    var includes: [[Value?]] = []
    /// Names to slot indices: the axes, then names only `include` entries give.
    var slots: [String: Int] = [:]
    var slotNames: [String] = []
    var location: SourceLocation?

    var combinationCount: Int {
        var product = 1
        for axis in axes {
            let (p, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
            product = overflow ? Int.max : p
        }
        if axes.isEmpty && !includes.isEmpty { product = 0 }
        return product == Int.max ? product : product + includes.count
    }

    /// Reads `matrix:`; nil after reporting an error. An absent matrix is a single combination with no values.
    static func read(_ node: Node?, scope: NameScope, diagnostics: DiagnosticCollector) -> Matrix? {
        guard let node else { return Matrix() }
        guard let pairs = node.mappingPairs else {
            diagnostics.error(node.location, "matrix is a mapping of axis names to lists")
            return nil
        }
        var reader = Reader(
            compiler: TreeCompiler(scope: scope, layer: .value, foldsConstants: true, diagnostics: diagnostics),
            diagnostics: diagnostics)
        reader.matrix.location = node.location
        var excludeNodes: [Node] = []
        var includeNodes: [Node] = []
        for pair in pairs {
            guard let name = pair.key.scalar?.text else { continue }
            guard let key = MatrixKey(rawValue: name) else {
                reader.readAxis(name, pair)
                continue
            }
            guard case .sequence(let items) = pair.value.content else {
                diagnostics.error(pair.value.location, "\(name) is a list of mappings of axis values")
                reader.failed = true
                continue
            }
            switch key {
            case .exclude: excludeNodes = items
            case .include: includeNodes = items
            }
        }
        for item in excludeNodes { reader.readExclude(item) }
        for item in includeNodes { reader.readInclude(item) }
        // Earlier include entries were sized before later ones added names.
        let names = reader.matrix.slotNames.count
        for i in reader.matrix.includes.indices where reader.matrix.includes[i].count < names {
            reader.matrix.includes[i] += [Value?](repeating: nil, count: names - reader.matrix.includes[i].count)
        }
        return reader.failed ? nil : reader.matrix
    }

    /// The matrix as `read` builds it, entry by entry; `failed` once an error is reported.
    private struct Reader {
        var matrix = Matrix()
        var failed = false
        let compiler: TreeCompiler
        let diagnostics: DiagnosticCollector

        init(compiler: TreeCompiler, diagnostics: DiagnosticCollector) {
            self.compiler = compiler
            self.diagnostics = diagnostics
        }

        /// A value of the matrix, which may be an expression over vars; nil after reporting an error.
        mutating func evaluate(_ node: Node) -> Value? {
            guard let tree = compiler.compile(node) else {
                failed = true
                return nil
            }
            do {
                return try tree.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil))
            } catch {
                diagnostics.add(error)
                failed = true
                return nil
            }
        }

        mutating func readAxis(_ name: String, _ pair: Node.Pair) {
            guard SetExpander.isIdentifier(name), !SetExpander.reservedAxisNames.contains(name) else {
                diagnostics.error(pair.key.location, "'\(name)' cannot be a matrix axis name: use letters, digits and '_', not starting with a digit, and none of env, set, task")
                failed = true
                return
            }
            guard let value = evaluate(pair.value) else { return }
            guard case .list(let values) = value.revealed.value else {
                diagnostics.error(pair.value.location, "matrix axis '\(name)' must be a list (or an expression giving one), not a \(value.typeName)")
                failed = true
                return
            }
            matrix.slots[name] = matrix.axes.count
            matrix.slotNames.append(name)
            matrix.axes.append(Axis(name: name, values: value.revealed.isSensitive ? values.map(Value.secret) : values, location: pair.key.location))
        }

        mutating func readExclude(_ item: Node) {
            guard let entries = item.mappingPairs else {
                diagnostics.error(item.location, "an exclude entry is a mapping of axis values, such as {region: apac, shard: 4}")
                failed = true
                return
            }
            var condition: [(slot: Int, value: Value)] = []
            for pair in entries {
                let name = pair.key.scalar?.text ?? ""
                guard let slot = matrix.slots[name] else {
                    diagnostics.error(pair.key.location, "exclude names '\(name)', which is not an axis of this matrix\(Suggestion.hint(for: name, in: matrix.slotNames))")
                    failed = true
                    continue
                }
                guard let value = evaluate(pair.value) else { continue }
                condition.append((slot, value))
            }
            matrix.excludes.append(condition)
        }

        mutating func readInclude(_ item: Node) {
            guard let entries = item.mappingPairs else {
                diagnostics.error(item.location, "an include entry is a mapping of matrix values, such as {region: latam, shard: 1}")
                failed = true
                return
            }
            var values: [(Int, Value)] = []
            for pair in entries {
                guard let name = pair.key.scalar?.text, SetExpander.isIdentifier(name) else {
                    diagnostics.error(pair.key.location, "include entries name matrix values with identifiers")
                    failed = true
                    continue
                }
                let slot: Int
                if let existing = matrix.slots[name] {
                    slot = existing
                } else {
                    slot = matrix.slotNames.count
                    matrix.slots[name] = slot
                    matrix.slotNames.append(name)
                }
                guard let value = evaluate(pair.value) else { continue }
                values.append((slot, value))
            }
            var combination = [Value?](repeating: nil, count: matrix.slotNames.count)
            for (slot, value) in values { combination[slot] = value }
            matrix.includes.append(combination)
        }
    }

    /// Calls `body` with the slot values of each combination, in order.
    func forEachCombination(_ body: ([Value?]) -> Void) {
        var slots = [Value?](repeating: nil, count: slotNames.count)
        if axes.allSatisfy({ !$0.values.isEmpty }) && !(axes.isEmpty && !includes.isEmpty) {
            var indices = [Int](repeating: 0, count: axes.count)
            for (i, axis) in axes.enumerated() { slots[i] = axis.values[0] }
            while true {
                if !isExcluded(slots) { body(slots) }
                // Advance the odometer: the last axis changes fastest.
                var position = axes.count - 1
                while position >= 0 {
                    indices[position] += 1
                    if indices[position] < axes[position].values.count {
                        slots[position] = axes[position].values[indices[position]]
                        break
                    }
                    indices[position] = 0
                    slots[position] = axes[position].values[0]
                    position -= 1
                }
                if position < 0 { break }
            }
        }
        for include in includes { body(include) }
    }

    private func isExcluded(_ slots: [Value?]) -> Bool {
        excludes.contains { condition in
            condition.allSatisfy { slots[$0.slot] == $0.value }
        }
    }

    /// "region=eu, shard=1", or nil without a matrix.
    func describe(_ slots: [Value?]) -> String? {
        guard !slotNames.isEmpty else { return nil }
        var parts: [String] = []
        for (i, name) in slotNames.enumerated() where i < slots.count {
            if let value = slots[i] { parts.append("\(name)=\(value.shortDescription)") }
        }
        return parts.joined(separator: ", ")
    }
}
