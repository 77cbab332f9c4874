import OrderedCollections

/// Evaluates compiled expressions for one expanded task.
///
/// `evaluate` recurses once per level of the tree, which the parser bounds. Each node's own work is done in a
/// function of its own, called once its operands are evaluated, so that what stays on the stack per level is
/// small, even in a debug build.
package enum Evaluator {
    package static func evaluate(_ node: Compiled, _ context: EvaluationContext) throws(ExpressionError) -> Value {
        switch node {
        case .constant(let value):
            return value
        case .missing(let error):
            throw error
        case .list(let items, let offset):
            return try list(items, offset: offset, context)
        case .map(let entries, let offset):
            return try map(entries, offset: offset, context)
        case .slot(let index, let name, let offset):
            return try slot(index, name: name, offset: offset, context)
        case .taskKey:
            return .string(context.taskKey ?? "")
        case .taskAddress:
            return .string(context.taskAddress ?? "")
        case .run(let member, let offset):
            guard let run = context.run else {
                throw ExpressionError(offset: offset, message: "'run.\(member.rawValue)' is known only when a run starts")
            }
            return run[member]
        case .member(let base, let name, let offset):
            return try member(name, of: evaluate(base, context), offset: offset)
        case .index(let base, let index, let offset):
            return try element(of: evaluate(base, context), at: evaluate(index, context), offset: offset)
        case .call(let function, let arguments, let offset):
            return try call(function, arguments, offset: offset, context)
        case .unary(let op, let operand, let offset):
            return try unary(op, evaluate(operand, context), offset: offset)
        case .binary(let op, let left, let right, let offset):
            return try binary(op, left, right, offset: offset, context)
        case .conditional(let condition, let whenTrue, let whenFalse, let offset):
            return try conditional(condition, whenTrue, whenFalse, offset: offset, context)
        }
    }

    /// A list literal, measured item by item against the size limit.
    private static func list(_ items: [Compiled], offset: Int, _ context: EvaluationContext) throws(ExpressionError) -> Value {
        var values: [Value] = []
        values.reserveCapacity(items.count)
        var measure = ValueSize.Measure(size: ValueSize.bytesPerValue, depth: 1)
        for item in items {
            let value = try evaluate(item, context)
            try measure.add(value, as: "the list", at: offset)
            values.append(value)
        }
        return .list(values)
    }

    private static func slot(_ index: Int, name: String, offset: Int, _ context: EvaluationContext) throws(ExpressionError) -> Value {
        guard index < context.slots.count, let value = context.slots[index] else {
            throw ExpressionError(offset: offset, message: "matrix value '\(name)' is not defined for this task (an include entry leaves it out)")
        }
        return value
    }

    private static func member(_ name: String, of base: Value, offset: Int) throws(ExpressionError) -> Value {
        let (value, secret) = base.revealed
        guard case .map(let entries) = value else {
            throw ExpressionError(offset: offset, message: "cannot read '.\(name)' of a \(value.typeName); only mappings have members")
        }
        guard let member = entries[name] else {
            let keys = entries.keys.map { "'\($0)'" }.prefix(8).joined(separator: ", ")
            throw ExpressionError(offset: offset, message: "no key '\(name)' in the mapping (keys: \(keys))", isMissingValue: true)
        }
        return secret ? .secret(member) : member
    }

    private static func element(of base: Value, at index: Value, offset: Int) throws(ExpressionError) -> Value {
        let (container, secret1) = base.revealed
        let (key, secret2) = index.revealed
        let result: Value
        switch (container, key) {
        case (.list(let items), .int(let i)):
            guard i >= 0, i < Int64(items.count) else {
                throw ExpressionError(offset: offset, message: "index \(i) is out of range for a list of \(items.count)", isMissingValue: true)
            }
            result = items[Int(i)]
        case (.map(let entries), .string(let k)):
            guard let v = entries[k] else {
                throw ExpressionError(offset: offset, message: "no key '\(k)' in the mapping", isMissingValue: true)
            }
            result = v
        case (.list, _):
            throw ExpressionError(offset: offset, message: "a list index must be an integer, not a \(key.typeName)")
        case (.map, _):
            throw ExpressionError(offset: offset, message: "a mapping key must be a string, not a \(key.typeName)")
        default:
            throw ExpressionError(offset: offset, message: "cannot index a \(container.typeName)")
        }
        return secret1 || secret2 ? .secret(result) : result
    }

    private static func unary(_ op: UnaryOperator, _ operand: Value, offset: Int) throws(ExpressionError) -> Value {
        let (value, secret) = operand.revealed
        let result: Value
        switch (op, value) {
        case (.not, .bool(let b)): result = .bool(!b)
        case (.negate, .int(let i)):
            guard i != .min else { throw ExpressionError(offset: offset, message: "integer overflow") }
            result = .int(-i)
        case (.not, _): throw ExpressionError(offset: offset, message: "'!' needs a boolean, not a \(value.typeName)")
        case (.negate, _): throw ExpressionError(offset: offset, message: "'-' needs an integer, not a \(value.typeName)")
        }
        return secret ? .secret(result) : result
    }

    private static func conditional(
        _ condition: Compiled, _ whenTrue: Compiled, _ whenFalse: Compiled, offset: Int, _ context: EvaluationContext
    ) throws(ExpressionError) -> Value {
        let (chosen, secret) = try boolean(evaluate(condition, context)) { value in
            ExpressionError(offset: offset, message: "the condition before '?' must be a boolean, not a \(value.typeName)")
        }
        let result = try evaluate(chosen ? whenTrue : whenFalse, context)
        return secret ? .secret(result) : result
    }

    /// The boolean `value` holds, and whether it is sensitive; `failure` is the error for any other value.
    private static func boolean(
        _ value: Value, else failure: (Value) -> ExpressionError
    ) throws(ExpressionError) -> (Bool, isSensitive: Bool) {
        let (inner, secret) = value.revealed
        guard case .bool(let b) = inner else { throw failure(inner) }
        return (b, secret)
    }

    private static func binary(
        _ op: BinaryOperator, _ left: Compiled, _ right: Compiled, offset: Int, _ context: EvaluationContext
    ) throws(ExpressionError) -> Value {
        guard op == .and || op == .or else {
            return try operate(op, evaluate(left, context), evaluate(right, context), offset: offset)
        }
        let needsBooleans = { (value: Value) in
            ExpressionError(offset: offset, message: "'\(op.rawValue)' needs booleans, not a \(value.typeName)")
        }
        let (a, secret1) = try boolean(evaluate(left, context), else: needsBooleans)
        if (op == .and && !a) || (op == .or && a) { return secret1 ? .secret(.bool(a)) : .bool(a) }
        let (b, secret2) = try boolean(evaluate(right, context), else: needsBooleans)
        return secret1 || secret2 ? .secret(.bool(b)) : .bool(b)
    }

    /// A binary operator but `&&` and `||` on its evaluated operands; sensitive when either is.
    private static func operate(_ op: BinaryOperator, _ left: Value, _ right: Value, offset: Int) throws(ExpressionError) -> Value {
        let (l, secret1) = left.revealed
        let (r, secret2) = right.revealed
        let result = try apply(op, l, r, offset: offset)
        return secret1 || secret2 ? .secret(result) : result
    }

    private static func apply(_ op: BinaryOperator, _ l: Value, _ r: Value, offset: Int) throws(ExpressionError) -> Value {
        switch op {
        case .equal: return .bool(l == r)
        case .notEqual: return .bool(l != r)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order: Int
            switch (l, r) {
            case (.int(let a), .int(let b)): order = a < b ? -1 : a == b ? 0 : 1
            case (.string(let a), .string(let b)): order = a < b ? -1 : a == b ? 0 : 1
            default:
                throw ExpressionError(offset: offset, message: "'\(op.rawValue)' compares two integers or two strings, not a \(l.typeName) and a \(r.typeName)")
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .add:
            switch (l, r) {
            case (.int(let a), .int(let b)):
                let (sum, overflow) = a.addingReportingOverflow(b)
                if overflow { throw ExpressionError(offset: offset, message: "integer overflow in '+'") }
                return .int(sum)
            case (.string(let a), .string(let b)):
                guard ValueSize.ofText(bytes: ValueSize.sum(a.utf8.count, b.utf8.count)) <= ValueSize.limit else {
                    throw ValueSize.tooBig("'+'", at: offset)
                }
                return .string(a + b)
            case (.string, _), (_, .string):
                throw ExpressionError(offset: offset, message: "'+' joins two strings or adds two integers, not a \(l.typeName) and a \(r.typeName); put the value in text instead, as in \"shard-${n}\"")
            default:
                throw ExpressionError(offset: offset, message: "'+' adds two integers or joins two strings, not a \(l.typeName) and a \(r.typeName)")
            }
        case .subtract, .multiply, .divide, .remainder:
            guard case .int(let a) = l, case .int(let b) = r else {
                throw ExpressionError(offset: offset, message: "'\(op.rawValue)' needs two integers, not a \(l.typeName) and a \(r.typeName)")
            }
            let (value, overflow): (Int64, Bool)
            switch op {
            case .subtract: (value, overflow) = a.subtractingReportingOverflow(b)
            case .multiply: (value, overflow) = a.multipliedReportingOverflow(by: b)
            default:
                if b == 0 { throw ExpressionError(offset: offset, message: "division by zero") }
                (value, overflow) = op == .divide ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
            }
            if overflow { throw ExpressionError(offset: offset, message: "integer overflow in '\(op.rawValue)'") }
            return .int(value)
        case .and, .or:
            return .null  // handled with short-circuit in binary()
        }
    }

    private static func call(
        _ function: Function, _ arguments: [Compiled], offset: Int, _ context: EvaluationContext
    ) throws(ExpressionError) -> Value {
        switch function {
        case .default:
            do {
                let value = try evaluate(arguments[0], context)
                if case .null = value.revealed.value { return try evaluate(arguments[1], context) }
                return value
            } catch where error.isMissingValue {
                return try evaluate(arguments[1], context)
            }
        case .coalesce:
            return try coalesce(arguments, context)
        default:
            break
        }
        var values: [Value] = []
        values.reserveCapacity(arguments.count)
        for argument in arguments { values.append(try evaluate(argument, context)) }
        return try function.apply(values, offset: offset)
    }

    /// The first argument that is not null; like `default`, an absent value (an unset environment variable, a
    /// missing key) counts as null. Sensitive when any argument it looked at is.
    private static func coalesce(_ arguments: [Compiled], _ context: EvaluationContext) throws(ExpressionError) -> Value {
        var secret = false
        for argument in arguments {
            let value: Value
            do {
                value = try evaluate(argument, context)
            } catch where error.isMissingValue {
                continue
            }
            let (inner, isSecret) = value.revealed
            secret = secret || isSecret
            if case .null = inner { continue }
            return secret ? .secret(value) : value
        }
        return secret ? .secret(.null) : .null
    }

    /// A map literal: every key must give text, and no key may come twice.
    private static func map(
        _ entries: [(key: Compiled, value: Compiled, offset: Int)], offset: Int, _ context: EvaluationContext
    ) throws(ExpressionError) -> Value {
        var result = OrderedDictionary<String, Value>(minimumCapacity: entries.count)
        var secret = false
        var measure = ValueSize.Measure(size: ValueSize.bytesPerValue, depth: 1)
        for entry in entries {
            let (key, keySecret) = try evaluate(entry.key, context).revealed
            guard case .string(let text) = key else {
                throw ExpressionError(offset: entry.offset, message: "a map key must be text, not \(Function.described(key)); write \"key\":value")
            }
            secret = secret || keySecret
            let value = try evaluate(entry.value, context)
            measure.size = ValueSize.sum(measure.size, ValueSize.ofText(bytes: text.utf8.count))
            try measure.add(value, as: "the map", at: offset)
            guard result.updateValue(value, forKey: text) == nil else {
                throw ExpressionError(offset: entry.offset, message: keySecret ? "a sensitive key comes twice in the map" : "key '\(text)' comes twice in the map")
            }
        }
        // A key cannot carry a marker of its own, so a sensitive key makes the whole map sensitive.
        return secret ? .secret(.map(result)) : .map(result)
    }
}
