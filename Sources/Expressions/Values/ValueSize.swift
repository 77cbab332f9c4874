/// The one limit on how big a value made by an expression (or a var) may be, and how values are measured for it.
///
/// A value measures the UTF-8 bytes of the texts in it (strings and mapping keys) plus `bytesPerValue` for every
/// value in it: each scalar, each list and mapping, each item. That is about what the value takes as JSON, and
/// what it would take once written out however much of it is shared in memory (a list of a thousand copies of
/// one text measures a thousand texts). A value also nests at most `maxDepth` levels.
package enum ValueSize {
    /// The most a value made by an expression or a var may measure: 16 MiB (16,777,216). A text may hold up to
    /// 16 MiB less 8 bytes, a list of integers about two million of them: more than any task field or matrix axis
    /// needs (a million tasks from one `range()` measure 8 MB), while a manifest of a few hundred bytes that
    /// doubles a value forty times stops at the first step past it instead of taking gigabytes.
    ///
    /// It is checked where values grow: `+` on texts, list and map literals, text with `${...}` in it, the
    /// functions that build texts or lists (`format`, `replace`, `join`, `split`, `concat`, `merge`, `range`,
    /// `json`, `base64`, `upper`, `lower`), and a var written as YAML around references to vars; whenever the size
    /// can be known first, before anything is allocated.
    package static let limit = 16 << 20

    /// What each value costs besides the bytes of its texts.
    package static let bytesPerValue = 8

    /// The deepest a value made by an expression or a var may nest: as deep as YAML may (lists and mappings in
    /// lists and mappings), so that walking or tearing one down cannot exhaust a thread's stack either.
    package static let maxDepth = 1_000

    /// The limit, as error messages state it.
    package static let limitDescription = "\(limit >> 20) MiB"

    /// What a text of `bytes` bytes measures.
    package static func ofText(bytes: Int) -> Int { bytesPerValue + bytes }

    /// A value's size and depth (0 for a scalar, 1 for a list of scalars).
    package struct Measure {
        package var size: Int
        package var depth: Int

        package var isWithinLimits: Bool { size <= ValueSize.limit && depth <= ValueSize.maxDepth }

        /// Throws the error for the limit this measure passes, if any; `what` at `offset` makes the value.
        package func check(_ what: @autoclosure () -> String, at offset: Int) throws(ExpressionError) {
            guard size <= ValueSize.limit else { throw ValueSize.tooBig(what(), at: offset) }
            guard depth <= ValueSize.maxDepth else { throw ValueSize.tooDeep(what(), at: offset) }
        }

        /// Counts `item` into the list or mapping this measures, which `what` at `offset` is building; throws as
        /// soon as the container would pass a limit.
        package mutating func add(_ item: Value, as what: @autoclosure () -> String, at offset: Int) throws(ExpressionError) {
            let measure = ValueSize.measure(item)
            size = ValueSize.sum(size, measure.size)
            depth = max(depth, measure.depth + 1)
            try check(what(), at: offset)
        }

        /// Counts the items of `list` into the list this measures (as `concat` joins lists).
        package mutating func addItems(of list: Value, as what: @autoclosure () -> String, at offset: Int) throws(ExpressionError) {
            let measure = ValueSize.measure(list)
            size = ValueSize.sum(size, measure.size - ValueSize.bytesPerValue)
            depth = max(depth, measure.depth)
            try check(what(), at: offset)
        }
    }

    /// Measures `value` without recursion; stops as soon as the size passes `limit` or the depth `maxDepth`, so
    /// a measure costs at most what a value within the limits holds, however big `value` is.
    package static func measure(_ value: Value) -> Measure {
        var measure = Measure(size: 0, depth: 0)
        // Lists and mappings still to look into, with their depth; scalars are counted as they are met.
        var pending: [(value: Value, depth: Int)] = []
        func meet(_ value: Value, depth: Int) {
            measure.size += bytesPerValue
            switch value {
            case .string(let s): measure.size += s.utf8.count
            case .list, .map: pending.append((value, depth))
            case .sensitive(let inner):
                measure.size -= bytesPerValue  // a marker, not a value of its own
                meet(inner, depth: depth)
            case .null, .bool, .int, .double: break
            }
        }
        meet(value, depth: 0)
        while let (container, depth) = pending.popLast(), measure.isWithinLimits {
            measure.depth = max(measure.depth, depth + 1)
            switch container {
            case .list(let items):
                for item in items {
                    meet(item, depth: depth + 1)
                    if measure.size > limit { break }
                }
            case .map(let entries):
                for (key, item) in entries {
                    measure.size += ofText(bytes: key.utf8.count)
                    meet(item, depth: depth + 1)
                    if measure.size > limit { break }
                }
            default:
                break
            }
        }
        return measure
    }

    /// The error for a value that would measure more than the limit: `what` names what makes it ("'+'",
    /// "format()", "the list").
    package static func tooBig(_ what: String, at offset: Int) -> ExpressionError {
        ExpressionError(
            offset: offset,
            message: "\(what) would make a value larger than \(limitDescription), the limit on a value an expression makes")
    }

    /// The error for a value that would nest more than `maxDepth` levels.
    package static func tooDeep(_ what: String, at offset: Int) -> ExpressionError {
        ExpressionError(offset: offset, message: "\(what) would nest more than \(maxDepth) levels deep")
    }

    /// Adds sizes, saturating: a sum past the limit stays past it, without overflow.
    package static func sum(_ a: Int, _ b: Int) -> Int {
        let (total, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : total
    }
}
