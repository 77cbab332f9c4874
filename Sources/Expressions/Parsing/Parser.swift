/// Parser for one expression; precedence from loosest to tightest:
/// `?:`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`, unary `! -`, then `.name`, `[index]`, `f(args)`.
/// Literals include lists `[a, b]` and maps `{"k": v}`; a map's closing `}` is the same token as the expression's.
///
/// The expression may nest at most `maxDepth` levels, so that neither this parser nor anything that walks the tree
/// (compiling, folding, evaluating, tearing it down) can exhaust a thread's stack. Chains of binary and of unary
/// operators are parsed in loops; the parser recurses only into brackets and the branches of `?:`, a few calls per
/// level. A parse that throws is abandoned, so a level an error leaves open does not matter.
struct Parser {
    /// The most levels an expression may nest. A name or a literal is level 0; each pair of brackets (`(a)`,
    /// `[a]`, `{"k":a}`, `f(a)`, `x[a]`), each unary operator, each `.name`, each `?:` and each binary operator
    /// adds a level above what it holds, so a chain `a + b + c` is two levels deep.
    ///
    /// Parsing, compiling and evaluating 256 levels takes under 256 KiB of stack in a release build and under
    /// 2 MiB in a debug one; at the limit, inside YAML nested as deep as the loader allows, under 1 MiB and 4 MiB:
    /// well within the 8 MiB of a thread's stack. No expression written by hand comes near 256 levels (a longer
    /// sum or join belongs in `format()`, `join()` or vars).
    static let maxDepth = 256

    private var lexer: Lexer
    private var current: Lexer.Token
    /// Levels open around what is being parsed: each will stand above it in the tree.
    private var enclosing = 0

    /// A parsed subtree and its height in levels, as `maxDepth` counts them.
    private struct Parsed {
        var syntax: Syntax
        var height: Int
    }

    /// Parses the expression whose first character is at `start` (just after `${`); returns it and the offset just
    /// past its closing `}`.
    static func parse(_ scalars: [Unicode.Scalar], from start: Int) throws(ExpressionError) -> (Syntax, end: Int) {
        var parser = try Parser(scalars: scalars, start: start)
        if parser.current.kind == .end {
            throw ExpressionError(offset: parser.current.offset, message: "empty expression '${}'")
        }
        let parsed = try parser.expression()
        guard parser.current.kind == .end else {
            throw ExpressionError(offset: parser.current.offset, message: "expected '}' or an operator, found \(describe(parser.current.kind))")
        }
        return (parsed.syntax, parser.lexer.position)
    }

    private init(scalars: [Unicode.Scalar], start: Int) throws(ExpressionError) {
        lexer = Lexer(scalars: scalars, start: start)
        current = try lexer.next()
    }

    private mutating func advance() throws(ExpressionError) {
        current = try lexer.next()
    }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(s) = current.kind { return true }
        return false
    }

    private mutating func expect(_ s: String) throws(ExpressionError) {
        guard isSymbol(s) else {
            throw ExpressionError(offset: current.offset, message: "expected '\(s)', found \(Parser.describe(current.kind))")
        }
        try advance()
    }

    private static func describe(_ kind: Lexer.Kind) -> String {
        switch kind {
        case .integer(let i): return "integer \(i)"
        case .string(let s): return "string \"\(s)\""
        case .identifier(let n): return "'\(n)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "'}'"
        }
    }

    // MARK: - Levels

    private static func tooDeep(at offset: Int) -> ExpressionError {
        ExpressionError(
            offset: offset,
            message: "expression nested more than \(maxDepth) levels deep (each bracket, operator and '.name' is a level); "
                + "split it into vars")
    }

    /// Opens the level written at `offset`: what is parsed until `leave()` stands one level further in.
    private mutating func enter(at offset: Int) throws(ExpressionError) {
        guard enclosing < Parser.maxDepth else { throw Parser.tooDeep(at: offset) }
        enclosing += 1
    }

    private mutating func leave() {
        enclosing -= 1
    }

    /// A node over children `heights` high, written at `offset`; refused when it makes the tree too deep.
    private func node(_ syntax: Syntax, over heights: Int..., at offset: Int) throws(ExpressionError) -> Parsed {
        let height = (heights.max() ?? 0) + 1
        guard enclosing + height <= Parser.maxDepth else { throw Parser.tooDeep(at: offset) }
        return Parsed(syntax: syntax, height: height)
    }

    // MARK: - Operators

    private mutating func expression() throws(ExpressionError) -> Parsed {
        let condition = try binaryChain()
        guard isSymbol("?") else { return condition }
        return try conditional(condition)
    }

    private mutating func conditional(_ condition: Parsed) throws(ExpressionError) -> Parsed {
        let offset = current.offset
        try advance()
        try enter(at: offset)
        let whenTrue = try expression()
        try expect(":")
        let whenFalse = try expression()
        leave()
        return try node(
            .conditional(condition.syntax, whenTrue.syntax, whenFalse.syntax, offset: offset),
            over: condition.height, whenTrue.height, whenFalse.height, at: offset)
    }

    /// Binding strength of each binary operator: higher binds tighter.
    private static func precedence(_ op: BinaryOperator) -> Int {
        switch op {
        case .or: return 0
        case .and: return 1
        case .equal, .notEqual: return 2
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return 3
        case .add, .subtract: return 4
        case .multiply, .divide, .remainder: return 5
        }
    }

    /// Operands joined by binary operators, all left-associative, by operator precedence with two small stacks
    /// instead of a call per precedence level: a chain of any length parses without recursion.
    private mutating func binaryChain() throws(ExpressionError) -> Parsed {
        var operands = [try unary()]
        var operators: [(op: BinaryOperator, offset: Int)] = []
        while case .symbol(let s) = current.kind, let op = BinaryOperator(rawValue: s) {
            let offset = current.offset
            try advance()
            while let pending = operators.last, Parser.precedence(pending.op) >= Parser.precedence(op) {
                try reduce(&operands, &operators)
            }
            operators.append((op, offset))
            operands.append(try unary())
        }
        while !operators.isEmpty { try reduce(&operands, &operators) }
        return operands.removeLast()
    }

    /// Joins the last two operands with the last operator; there is always one operand more than operators.
    private func reduce(
        _ operands: inout [Parsed], _ operators: inout [(op: BinaryOperator, offset: Int)]
    ) throws(ExpressionError) {
        let (op, offset) = operators.removeLast()
        let right = operands.removeLast()
        let left = operands.removeLast()
        operands.append(try node(.binary(op, left.syntax, right.syntax, offset: offset), over: left.height, right.height, at: offset))
    }

    /// Prefix operators, counted in a loop: each opens a level above its operand.
    private mutating func unary() throws(ExpressionError) -> Parsed {
        var prefixes: [(op: UnaryOperator, offset: Int)] = []
        while case .symbol(let s) = current.kind, let op = UnaryOperator(rawValue: s) {
            try enter(at: current.offset)
            prefixes.append((op, current.offset))
            try advance()
        }
        var operand = try postfix()
        for (op, offset) in prefixes.reversed() {
            leave()
            operand = try node(.unary(op, operand.syntax, offset: offset), over: operand.height, at: offset)
        }
        return operand
    }

    // MARK: - Postfix

    private mutating func postfix() throws(ExpressionError) -> Parsed {
        var value = try primary()
        while true {
            if isSymbol(".") {
                value = try member(of: value)
            } else if isSymbol("[") {
                value = try index(of: value)
            } else if isSymbol("(") {
                value = try call(value)
            } else {
                return value
            }
        }
    }

    private mutating func member(of base: Parsed) throws(ExpressionError) -> Parsed {
        try advance()
        guard case .identifier(let member) = current.kind else {
            throw ExpressionError(offset: current.offset, message: "expected a name after '.', found \(Parser.describe(current.kind))")
        }
        let offset = current.offset
        try advance()
        return try node(.member(base.syntax, member, offset: offset), over: base.height, at: offset)
    }

    private mutating func index(of base: Parsed) throws(ExpressionError) -> Parsed {
        let offset = current.offset
        try advance()
        try enter(at: offset)
        let index = try expression()
        try expect("]")
        leave()
        return try node(.index(base.syntax, index.syntax, offset: offset), over: base.height, index.height, at: offset)
    }

    private mutating func call(_ callee: Parsed) throws(ExpressionError) -> Parsed {
        guard case .name(let function, let offset) = callee.syntax else {
            throw ExpressionError(offset: current.offset, message: "only a function name can be called")
        }
        let open = current.offset
        try advance()
        try enter(at: open)
        var arguments: [Syntax] = []
        var height = 0
        if !isSymbol(")") {
            repeat {
                if !arguments.isEmpty { try advance() }
                let argument = try expression()
                arguments.append(argument.syntax)
                height = max(height, argument.height)
            } while isSymbol(",")
        }
        try expect(")")
        leave()
        return try node(.call(function, arguments, offset: offset), over: height, at: open)
    }

    // MARK: - Values

    private mutating func primary() throws(ExpressionError) -> Parsed {
        let token = current
        switch token.kind {
        case .integer(let i):
            try advance()
            return Parsed(syntax: .literal(.int(i), offset: token.offset), height: 0)
        case .string(let s):
            try advance()
            return Parsed(syntax: .literal(.string(s), offset: token.offset), height: 0)
        case .identifier(let name):
            try advance()
            return Parsed(syntax: Parser.named(name, at: token.offset), height: 0)
        case .symbol("("):
            return try parenthesized()
        case .symbol("["):
            return try listLiteral()
        case .symbol("{"):
            return try mapLiteral()
        case .end:
            throw ExpressionError(offset: token.offset, message: "expression ends too early: expected a value before '}'")
        case .symbol(let s):
            throw ExpressionError(offset: token.offset, message: "expected a value, found '\(s)'")
        }
    }

    private static func named(_ name: String, at offset: Int) -> Syntax {
        switch name {
        case "true": return .literal(.bool(true), offset: offset)
        case "false": return .literal(.bool(false), offset: offset)
        case "null": return .literal(.null, offset: offset)
        default: return .name(name, offset: offset)
        }
    }

    /// `(a)`: the brackets make no node, but count as a level: what is written is what is limited.
    private mutating func parenthesized() throws(ExpressionError) -> Parsed {
        let offset = current.offset
        try advance()
        try enter(at: offset)
        let inner = try expression()
        try expect(")")
        leave()
        return try node(inner.syntax, over: inner.height, at: offset)
    }

    private mutating func listLiteral() throws(ExpressionError) -> Parsed {
        let offset = current.offset
        try advance()
        try enter(at: offset)
        var items: [Syntax] = []
        var height = 0
        while !isSymbol("]") {
            let item = try expression()
            items.append(item.syntax)
            height = max(height, item.height)
            guard isSymbol(",") else { break }
            try advance()
        }
        guard isSymbol("]") else {
            throw ExpressionError(offset: current.offset, message: "expected ',' or ']' in the list, found \(Parser.describe(current.kind))")
        }
        try advance()
        leave()
        return try node(.list(items, offset: offset), over: height, at: offset)
    }

    private mutating func mapLiteral() throws(ExpressionError) -> Parsed {
        let offset = current.offset
        try advance()
        try enter(at: offset)
        var entries: [(key: Syntax, value: Syntax)] = []
        var height = 0
        while current.kind != .end {
            let key = try expression()
            guard isSymbol(":") else {
                throw ExpressionError(offset: current.offset, message: "expected ':' after the map key, found \(Parser.describe(current.kind)); a map is written {\"key\":value}")
            }
            try advance()
            let value = try expression()
            entries.append((key.syntax, value.syntax))
            height = max(height, key.height, value.height)
            guard isSymbol(",") else { break }
            try advance()
        }
        guard current.kind == .end else {
            throw ExpressionError(offset: current.offset, message: "expected ',' or '}' in the map, found \(Parser.describe(current.kind))")
        }
        try advance()
        leave()
        return try node(.map(entries, offset: offset), over: height, at: offset)
    }
}
