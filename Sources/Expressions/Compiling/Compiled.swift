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
    /// `run.slot` and its kin: known only when a run starts.
    case run(RunMember, offset: Int)
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

    /// Whether the expression reads `run.*` anywhere, so that its value waits for a run to start.
    package var usesRun: Bool {
        switch self {
        case .run: return true
        case .constant, .missing, .slot, .taskKey, .taskAddress: return false
        case .list(let items, _): return items.contains { $0.usesRun }
        case .map(let entries, _): return entries.contains { $0.key.usesRun || $0.value.usesRun }
        case .member(let base, _, _): return base.usesRun
        case .index(let base, let index, _): return base.usesRun || index.usesRun
        case .call(_, let arguments, _): return arguments.contains { $0.usesRun }
        case .unary(_, let operand, _): return operand.usesRun
        case .binary(_, let left, let right, _): return left.usesRun || right.usesRun
        case .conditional(let condition, let whenTrue, let whenFalse, _):
            return condition.usesRun || whenTrue.usesRun || whenFalse.usesRun
        }
    }
}

/// The per-task inputs of evaluation.
package struct EvaluationContext: Sendable {
    package var slots: [Value?]
    package var taskKey: String?
    package var taskAddress: String?
    /// `run.*`: set only when a run starts.
    package var run: RunValues?

    package init(slots: [Value?], taskKey: String?, taskAddress: String?, run: RunValues? = nil) {
        self.slots = slots
        self.taskKey = taskKey
        self.taskAddress = taskAddress
        self.run = run
    }
}
