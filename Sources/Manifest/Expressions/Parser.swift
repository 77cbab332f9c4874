/// Recursive-descent parser for one expression; precedence from loosest to tightest:
/// `?:`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`, unary `! -`, then `.name`, `[index]`, `f(args)`.
/// Literals include lists `[a, b]` and maps `{"k": v}`; a map's closing `}` is the same token as the expression's.
struct Parser {
    private var lexer: Lexer
    private var current: Lexer.Token

    /// Parses the expression whose first character is at `start` (just after `${`); returns it and the offset just
    /// past its closing `}`.
    static func parse(_ scalars: [Unicode.Scalar], from start: Int) throws(ExpressionError) -> (Syntax, end: Int) {
        var parser = try Parser(scalars: scalars, start: start)
        if parser.current.kind == .end {
            throw ExpressionError(offset: parser.current.offset, message: "empty expression '${}'")
        }
        let syntax = try parser.expression()
        guard parser.current.kind == .end else {
            throw ExpressionError(offset: parser.current.offset, message: "expected '}' or an operator, found \(describe(parser.current.kind))")
        }
        return (syntax, parser.lexer.position)
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

    private mutating func expression() throws(ExpressionError) -> Syntax {
        let condition = try binary(level: 0)
        guard isSymbol("?") else { return condition }
        let offset = current.offset
        try advance()
        let whenTrue = try expression()
        try expect(":")
        let whenFalse = try expression()
        return .conditional(condition, whenTrue, whenFalse, offset: offset)
    }

    private static let levels: [[BinaryOperator]] = [
        [.or], [.and], [.equal, .notEqual], [.less, .lessOrEqual, .greater, .greaterOrEqual],
        [.add, .subtract], [.multiply, .divide, .remainder],
    ]

    private mutating func binary(level: Int) throws(ExpressionError) -> Syntax {
        guard level < Parser.levels.count else { return try unary() }
        var left = try binary(level: level + 1)
        while case .symbol(let s) = current.kind, let op = BinaryOperator(rawValue: s), Parser.levels[level].contains(op) {
            let offset = current.offset
            try advance()
            let right = try binary(level: level + 1)
            left = .binary(op, left, right, offset: offset)
        }
        return left
    }

    private mutating func unary() throws(ExpressionError) -> Syntax {
        if case .symbol(let s) = current.kind, let op = UnaryOperator(rawValue: s) {
            let offset = current.offset
            try advance()
            return .unary(op, try unary(), offset: offset)
        }
        return try postfix()
    }

    private mutating func postfix() throws(ExpressionError) -> Syntax {
        var value = try primary()
        while true {
            if isSymbol(".") {
                try advance()
                guard case .identifier(let member) = current.kind else {
                    throw ExpressionError(offset: current.offset, message: "expected a name after '.', found \(Parser.describe(current.kind))")
                }
                value = .member(value, member, offset: current.offset)
                try advance()
            } else if isSymbol("[") {
                let offset = current.offset
                try advance()
                let index = try expression()
                try expect("]")
                value = .index(value, index, offset: offset)
            } else if isSymbol("(") {
                guard case .name(let function, let offset) = value else {
                    throw ExpressionError(offset: current.offset, message: "only a function name can be called")
                }
                try advance()
                var arguments: [Syntax] = []
                if !isSymbol(")") {
                    arguments.append(try expression())
                    while isSymbol(",") {
                        try advance()
                        arguments.append(try expression())
                    }
                }
                try expect(")")
                value = .call(function, arguments, offset: offset)
            } else {
                return value
            }
        }
    }

    private mutating func primary() throws(ExpressionError) -> Syntax {
        let token = current
        switch token.kind {
        case .integer(let i):
            try advance()
            return .literal(.int(i), offset: token.offset)
        case .string(let s):
            try advance()
            return .literal(.string(s), offset: token.offset)
        case .identifier(let name):
            try advance()
            switch name {
            case "true": return .literal(.bool(true), offset: token.offset)
            case "false": return .literal(.bool(false), offset: token.offset)
            case "null": return .literal(.null, offset: token.offset)
            default: return .name(name, offset: token.offset)
            }
        case .symbol("("):
            try advance()
            let inner = try expression()
            try expect(")")
            return inner
        case .symbol("["):
            try advance()
            var items: [Syntax] = []
            while !isSymbol("]") {
                items.append(try expression())
                guard isSymbol(",") else { break }
                try advance()
            }
            guard isSymbol("]") else {
                throw ExpressionError(offset: current.offset, message: "expected ',' or ']' in the list, found \(Parser.describe(current.kind))")
            }
            try advance()
            return .list(items, offset: token.offset)
        case .symbol("{"):
            try advance()
            var entries: [(key: Syntax, value: Syntax)] = []
            while current.kind != .end {
                let key = try expression()
                guard isSymbol(":") else {
                    throw ExpressionError(offset: current.offset, message: "expected ':' after the map key, found \(Parser.describe(current.kind)); a map is written {\"key\":value}")
                }
                try advance()
                entries.append((key, try expression()))
                guard isSymbol(",") else { break }
                try advance()
            }
            guard current.kind == .end else {
                throw ExpressionError(offset: current.offset, message: "expected ',' or '}' in the map, found \(Parser.describe(current.kind))")
            }
            try advance()
            return .map(entries, offset: token.offset)
        case .end:
            throw ExpressionError(offset: token.offset, message: "expression ends too early: expected a value before '}'")
        case .symbol(let s):
            throw ExpressionError(offset: token.offset, message: "expected a value, found '\(s)'")
        }
    }
}
