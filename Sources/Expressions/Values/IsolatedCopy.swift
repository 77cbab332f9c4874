import Diagnostics
import OrderedCollections

// Copies that share no reference-counted storage with the original. Expansion evaluates one entry's compiled
// definition on every core at once; with one shared copy, every core retains and releases the same few objects for
// each task, and the cores spend their time passing those objects' counts between their caches. Each worker takes
// a copy of its own instead (`Parallel.map(_:chunkState:_:)`).

extension String {
    /// The same text in storage of its own; a short text is stored inline and needs none.
    package var isolatedCopy: String { String(decoding: Array(utf8), as: UTF8.self) }
}

extension SourceLocation {
    package var isolatedCopy: SourceLocation { SourceLocation(file: file.isolatedCopy, line: line, column: column) }
}

extension Value {
    package var isolatedCopy: Value {
        switch self {
        case .null, .bool, .int, .double: return self
        case .string(let s): return .string(s.isolatedCopy)
        case .list(let items): return .list(items.map(\.isolatedCopy))
        case .map(let entries):
            var copy = OrderedDictionary<String, Value>(minimumCapacity: entries.count)
            for (key, value) in entries { copy[key.isolatedCopy] = value.isolatedCopy }
            return .map(copy)
        case .sensitive(let inner): return .sensitive(inner.isolatedCopy)
        }
    }
}

extension Compiled {
    /// Recurses once per level of the tree, which the parser bounds.
    package var isolatedCopy: Compiled {
        switch self {
        case .constant(let value): return .constant(value.isolatedCopy)
        case .missing(let error): return .missing(error)
        case .list(let items, let offset): return .list(items.map(\.isolatedCopy), offset: offset)
        case .map(let entries, let offset):
            return .map(entries.map { (key: $0.key.isolatedCopy, value: $0.value.isolatedCopy, offset: $0.offset) }, offset: offset)
        case .slot(let index, let name, let offset): return .slot(index, name: name.isolatedCopy, offset: offset)
        case .taskKey: return .taskKey
        case .taskAddress: return .taskAddress
        case .run(let member, let offset): return .run(member, offset: offset)
        case .member(let base, let name, let offset): return .member(base.isolatedCopy, name.isolatedCopy, offset: offset)
        case .index(let base, let index, let offset): return .index(base.isolatedCopy, index.isolatedCopy, offset: offset)
        case .call(let function, let arguments, let offset): return .call(function, arguments.map(\.isolatedCopy), offset: offset)
        case .unary(let op, let operand, let offset): return .unary(op, operand.isolatedCopy, offset: offset)
        case .binary(let op, let left, let right, let offset):
            return .binary(op, left.isolatedCopy, right.isolatedCopy, offset: offset)
        case .conditional(let condition, let whenTrue, let whenFalse, let offset):
            return .conditional(condition.isolatedCopy, whenTrue.isolatedCopy, whenFalse.isolatedCopy, offset: offset)
        }
    }
}

extension ScalarTemplate {
    package var isolatedCopy: ScalarTemplate {
        let parts = parts.map { part -> Part in
            switch part {
            case .text(let text): return .text(text.isolatedCopy)
            case .expression(let compiled, let offset): return .expression(compiled.isolatedCopy, offset: offset)
            }
        }
        return ScalarTemplate(parts: parts, isSingleExpression: isSingleExpression, location: location.isolatedCopy,
                              columnShift: columnShift, references: references.map(\.isolatedCopy), source: source.isolatedCopy)
    }
}
