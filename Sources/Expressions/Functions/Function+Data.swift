import JSON

/// The built-in functions that make, read or mark values: lists, mappings, integers, secrets.
extension Function {
    static func markSensitive(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        .secret(arguments.values[0])
    }

    static func jsonText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let value = arguments.values[0], offset = arguments.offset
        // The text is about as long as the value measures, but escapes can make it longer: measured first, so that
        // no text of an oversized value is ever written, and checked once made.
        try ValueSize.measure(value).check("json()", at: offset)
        let text = value.unwrapped.serialized()
        guard ValueSize.ofText(bytes: text.utf8.count) <= ValueSize.limit else { throw ValueSize.tooBig("json()", at: offset) }
        return value.containsSensitive ? .secret(.string(text)) : .string(text)
    }

    static func length(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let (v, secret) = arguments.values[0].revealed
        let length: Int
        switch v {
        case .string(let s): length = s.count
        case .list(let items): length = items.count
        case .map(let entries): length = entries.count
        default: throw ExpressionError(offset: arguments.offset, message: "len() takes a string, list or mapping, not a \(v.typeName)")
        }
        return secret ? .secret(.int(Int64(length))) : .int(Int64(length))
    }

    static func rangeList(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let offset = arguments.offset
        let (a, secret1) = arguments.values[0].revealed
        let (b, secret2) = arguments.values[1].revealed
        guard case .int(let low) = a, case .int(let high) = b else {
            throw ExpressionError(offset: offset, message: "range() takes two integers, not a \(a.typeName) and a \(b.typeName)")
        }
        if high < low { return .list([]) }
        // The list and each integer in it cost `bytesPerValue`.
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < Int64(ValueSize.limit / ValueSize.bytesPerValue - 1) else {
            throw ValueSize.tooBig("range(\(low), \(high))", at: offset)
        }
        let result = Value.list((low...high).map { .int($0) })
        return secret1 || secret2 ? .secret(result) : result
    }

    /// `contains`: a text in a text, or a value in a list.
    static func search(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let container = arguments.plain(0)
        switch container {
        case .string(let s):
            let part = try arguments.text(1, "second argument when the first is text")
            return .bool(part.isEmpty || !occurrences(of: Array(part.utf8), in: Array(s.utf8), first: true).isEmpty)
        case .list(let items):
            let wanted = arguments.plain(1)
            let secret = arguments.values[1].containsSensitive || items.contains { $0.containsSensitive }
            arguments.isSensitive = arguments.isSensitive || secret
            return .bool(items.contains { sameData($0, wanted) })
        default:
            throw arguments.failure("looks in a list or a text, not \(described(container))")
        }
    }

    static func mappingKeys(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        .list(try arguments.mapping(0).keys.map { .string($0) })
    }

    static func mappingValues(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        .list(Array(try arguments.mapping(0).values))
    }

    static func mergeMappings(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        var merged = try arguments.mapping(0)
        for index in 1..<arguments.count {
            for (key, value) in try arguments.mapping(index) { merged[key] = value }
        }
        // A merge holds no more entries than its arguments do, so it is measured once made.
        let result = Value.map(merged)
        try ValueSize.measure(result).check("merge()", at: arguments.offset)
        return result
    }

    static func concatLists(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        var items: [Value] = []
        var measure = ValueSize.Measure(size: ValueSize.bytesPerValue, depth: 1)
        for index in 0..<arguments.count {
            let value = arguments.plain(index)
            guard case .list(let more) = value else {
                throw arguments.failure("takes lists, not \(described(value)) (argument \(index + 1))")
            }
            try measure.addItems(of: value, as: "concat()", at: arguments.offset)
            items.append(contentsOf: more)
        }
        return .list(items)
    }

    /// `min` and `max`.
    static func extreme(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        var candidates = arguments.values
        if arguments.count == 1, case .list(let items) = arguments.plain(0) {
            guard !items.isEmpty else { throw arguments.failure("of an empty list has no value") }
            candidates = items
        }
        let smallest = arguments.function == .min
        var best: Int64?
        for candidate in candidates {
            let (value, isSecret) = candidate.revealed
            arguments.isSensitive = arguments.isSensitive || isSecret
            guard case .int(let n) = value else {
                throw arguments.failure("compares integers (or takes one list of them), not \(described(value))")
            }
            if let current = best { best = smallest ? Swift.min(current, n) : Swift.max(current, n) } else { best = n }
        }
        return .int(best ?? 0)
    }

    static func readInteger(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let value = arguments.plain(0)
        switch value {
        case .int:
            return value
        case .string(let s):
            guard let n = Int64(s, radix: 10) else {
                let shown = arguments.isSensitive ? "the sensitive text" : "'\(s.count > 40 ? String(s.prefix(40)) + "..." : s)'"
                throw arguments.failure("cannot read \(shown) as a decimal integer (digits, an optional sign, nothing around them; trim() takes spaces off)")
            }
            return .int(n)
        default:
            throw arguments.failure("takes text of a decimal integer, not \(described(value))")
        }
    }

    static func lookUp(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let entries = try arguments.mapping(0)
        let key = try arguments.text(1, "key")
        return entries[key] ?? arguments.values[2]
    }

    /// Equal as data, whatever is marked sensitive inside either value.
    package static func sameData(_ a: Value, _ b: Value) -> Bool {
        switch (a.revealed.value, b.revealed.value) {
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameData($0, $1) }
        case (.map(let x), .map(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && sameData($0.value, $1.value) }
        case (let x, let y):
            return x == y
        }
    }
}
