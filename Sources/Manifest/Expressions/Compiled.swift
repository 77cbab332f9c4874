/// An expression with every name resolved: matrix values to slots, vars, `env.*` and `set.name` to constants.
///
/// Compiling happens once per scalar; evaluating happens once per expanded task, so it does no name look-ups and
/// no parsing. Sub-expressions made only of constants are folded at compile time.
indirect enum Compiled: Sendable {
    case constant(Value)
    /// A value that is absent (an unset environment variable): an error, unless `default()` supplies a fallback.
    case missing(ExpressionError)
    case slot(Int, name: String, offset: Int)
    case taskKey
    case taskAddress
    case member(Compiled, String, offset: Int)
    case index(Compiled, Compiled, offset: Int)
    case call(Function, [Compiled], offset: Int)
    case unary(UnaryOperator, Compiled, offset: Int)
    case binary(BinaryOperator, Compiled, Compiled, offset: Int)
    case conditional(Compiled, Compiled, Compiled, offset: Int)

    var constantValue: Value? {
        if case .constant(let v) = self { return v }
        return nil
    }
}

/// The built-in functions.
enum Function: String, CaseIterable, Sendable {
    case upper, lower, pad, range, join, `default`, json, len, sensitive

    var arity: Int {
        switch self {
        case .upper, .lower, .json, .len, .sensitive: return 1
        case .pad, .range, .join, .default: return 2
        }
    }

    var signature: String {
        switch self {
        case .upper: return "upper(s)"
        case .lower: return "lower(s)"
        case .pad: return "pad(n, width)"
        case .range: return "range(a, b)"
        case .join: return "join(list, sep)"
        case .default: return "default(x, fallback)"
        case .json: return "json(v)"
        case .len: return "len(x)"
        case .sensitive: return "sensitive(x)"
        }
    }
}

/// The per-task inputs of evaluation.
struct EvaluationContext {
    var slots: [Value?]
    var taskKey: String?
    var taskAddress: String?
}
