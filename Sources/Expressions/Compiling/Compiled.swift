/// An expression with every name resolved: matrix values to slots, vars, `env.*` and `set.name` to constants.
///
/// Compiling happens once per scalar; evaluating happens once per expanded task, so it does no name look-ups and
/// no parsing. Sub-expressions made only of constants are folded at compile time.
package indirect enum Compiled: Sendable {
    case constant(Value)
    /// A value that is absent (an unset environment variable): an error, unless `default()` supplies a fallback.
    case missing(ExpressionError)
    /// A list literal some of whose items are known only per task, written at `offset`.
    case list([Compiled], offset: Int)
    /// A map literal some of whose keys or values are known only per task, written at `offset`; each key has its
    /// own offset.
    case map([(key: Compiled, value: Compiled, offset: Int)], offset: Int)
    case slot(Int, name: String, offset: Int)
    case taskKey
    case taskAddress
    case member(Compiled, String, offset: Int)
    case index(Compiled, Compiled, offset: Int)
    case call(Function, [Compiled], offset: Int)
    case unary(UnaryOperator, Compiled, offset: Int)
    case binary(BinaryOperator, Compiled, Compiled, offset: Int)
    case conditional(Compiled, Compiled, Compiled, offset: Int)

    package var constantValue: Value? {
        if case .constant(let v) = self { return v }
        return nil
    }
}

/// The per-task inputs of evaluation.
package struct EvaluationContext {
    package var slots: [Value?]
    package var taskKey: String?
    package var taskAddress: String?

    package init(slots: [Value?], taskKey: String?, taskAddress: String?) {
        self.slots = slots
        self.taskKey = taskKey
        self.taskAddress = taskAddress
    }
}
