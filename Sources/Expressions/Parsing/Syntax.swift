/// The parsed form of one `${ ... }` expression, before names are resolved.
///
/// Offsets are 0-based positions (in Unicode scalars) inside the YAML scalar that holds the expression, so an error
/// can name the column within the scalar.
package indirect enum Syntax: Sendable {
    case literal(Value, offset: Int)
    /// `[a, b]`
    case list([Syntax], offset: Int)
    /// `{"k": v}`: keys are expressions that must give text.
    case map([(key: Syntax, value: Syntax)], offset: Int)
    case name(String, offset: Int)
    case member(Syntax, String, offset: Int)
    case index(Syntax, Syntax, offset: Int)
    case call(String, [Syntax], offset: Int)
    case unary(UnaryOperator, Syntax, offset: Int)
    case binary(BinaryOperator, Syntax, Syntax, offset: Int)
    case conditional(Syntax, Syntax, Syntax, offset: Int)

    package var offset: Int {
        switch self {
        case .literal(_, let o), .list(_, let o), .map(_, let o), .name(_, let o), .member(_, _, let o), .index(_, _, let o), .call(_, _, let o),
             .unary(_, _, let o), .binary(_, _, _, let o), .conditional(_, _, _, let o):
            return o
        }
    }
}

package enum UnaryOperator: String, Sendable {
    case not = "!"
    case negate = "-"
}

package enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "&&", or = "||"
}

/// A problem in an expression: where in the scalar (0-based offset) and what.
package struct ExpressionError: Error, Sendable {
    package var offset: Int
    package var message: String
    /// True for "absent" errors that `default(x, fallback)` turns into its fallback: an unset environment
    /// variable, a missing key, an index out of range.
    package var isMissingValue: Bool = false

    package init(offset: Int, message: String, isMissingValue: Bool = false) {
        self.offset = offset
        self.message = message
        self.isMissingValue = isMissingValue
    }
}
