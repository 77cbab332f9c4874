import BatchTask

/// Parses `$filter` text:
///
///     expr       := term ("or" term)*
///     term       := factor ("and" factor)*
///     factor     := "not" factor | "(" expr ")" | call [("eq" | "ne") bool] | property operator literal
///                 | property "oneOf" "(" literal ("," literal)* ")"
///     call       := ("startswith" | "endswith" | "contains") "(" property "," literal ")"
///                 | "substringof" "(" literal "," property ")"
///     literal    := 'text' (with '' for a quote) | integer | true | false | null
///
/// Property names match case-insensitively; operators are those of `FilterOperator`.
struct FilterParser {
    private enum Token: Equatable {
        case word(String)
        case string(String)
        case number(Int64)
        case open, close, comma
    }

    private var tokens: [Token] = []
    private var position = 0
    /// Comparisons (and `oneOf` lists, and function calls) read so far, for `termLimit`.
    private var terms = 0
    /// Parentheses and `not`s open around the current position, for `depthLimit`.
    private var depth = 0

    /// The most comparisons one `$filter` may hold. Every term costs SQL and time; a filter longer than this is
    /// answered 400 naming the limit (a client with more values writes `oneOf(...)`, one term of up to
    /// `oneOfLimit` values).
    static let termLimit = 100
    /// The most parentheses and `not`s nested in one another: each level is a level of the parser's recursion and
    /// of the SQL, which SQLite bounds (its parser stack holds about a hundred).
    static let depthLimit = 32

    static func parse(_ text: String) throws(APIError) -> FilterExpression {
        var parser = FilterParser()
        parser.tokens = try tokenize(text)
        let expression = try parser.expression()
        guard parser.position == parser.tokens.count else {
            throw .badRequest("$filter: unexpected \(parser.describe(parser.tokens[parser.position])) after a complete expression")
        }
        return expression
    }

    /// `a or b or (c or d)` is one flat list of four.
    private mutating func expression() throws(APIError) -> FilterExpression {
        var terms = [try term()]
        while accept(keyword: "or") { terms.append(try term()) }
        guard terms.count > 1 else { return terms[0] }
        return .or(terms.flatMap { term -> [FilterExpression] in
            if case .or(let inner) = term { return inner }
            return [term]
        })
    }

    private mutating func term() throws(APIError) -> FilterExpression {
        var factors = [try factor()]
        while accept(keyword: "and") { factors.append(try factor()) }
        guard factors.count > 1 else { return factors[0] }
        return .and(factors.flatMap { factor -> [FilterExpression] in
            if case .and(let inner) = factor { return inner }
            return [factor]
        })
    }

    private mutating func nest() throws(APIError) {
        depth += 1
        guard depth <= Self.depthLimit else {
            throw .badRequest("$filter: parentheses and 'not' nest at most \(Self.depthLimit) deep")
        }
    }

    /// Counts a comparison against `termLimit`.
    private mutating func countTerm() throws(APIError) {
        terms += 1
        guard terms <= Self.termLimit else {
            throw .badRequest(
                "$filter: at most \(Self.termLimit) comparisons in one filter; for many values of one property use "
                    + "'property oneOf(value, value, ...)' (up to \(Self.oneOfLimit) values), or split the query")
        }
    }

    private mutating func factor() throws(APIError) -> FilterExpression {
        if accept(keyword: "not") {
            try nest()
            defer { depth -= 1 }
            return .not(try factor())
        }
        if accept(.open) {
            try nest()
            defer { depth -= 1 }
            let inner = try expression()
            try expect(.close, "')'")
            return inner
        }
        try countTerm()
        guard case .word(let word)? = peek else {
            throw .badRequest("$filter: expected a property name, got \(peek.map(describe) ?? "the end")")
        }
        position += 1
        if accept(.open) { return try call(word) }
        guard let field = BatchTaskField.named(caseInsensitive: word) else {
            throw .badRequest("$filter: unknown property \(word)")
        }
        if accept(keyword: "oneof") { return .oneOf(field, try literalList(after: word)) }
        guard case .word(let operatorWord)? = peek, let op = FilterOperator.named(operatorWord) else {
            throw .badRequest("$filter: expected an operator after \(word) (eq, ne, lt, le, gt, ge, begins, contains, ...), got \(peek.map(describe) ?? "the end")")
        }
        position += 1
        return .comparison(field, op, try literal())
    }

    /// The most values one `oneOf` takes: a list stays one flat SQL IN, but without a bound a query string could
    /// still make it as long as the server lets a URL be.
    static let oneOfLimit = 1000

    /// `(literal, literal, ...)` after `oneOf` (our reading of the archive dialect's spelling: the values in
    /// parentheses, separated by commas).
    private mutating func literalList(after property: String) throws(APIError) -> [FilterLiteral] {
        try expect(.open, "'(' after \(property) oneOf")
        var literals = [try literal()]
        while accept(.comma) {
            literals.append(try literal())
            guard literals.count <= Self.oneOfLimit else {
                throw .badRequest("$filter: oneOf takes at most \(Self.oneOfLimit) values")
            }
        }
        try expect(.close, "')' after the oneOf values")
        return literals
    }

    /// The function's arguments and closing parenthesis, after `name(`.
    private mutating func call(_ name: String) throws(APIError) -> FilterExpression {
        let expression: FilterExpression
        switch name.lowercased() {
        case "startswith", "endswith", "contains":
            let field = try property()
            try expect(.comma, "','")
            let value = try literal()
            let op: FilterOperator = name.lowercased() == "startswith" ? .begins : name.lowercased() == "endswith" ? .endsWith : .contains
            expression = .comparison(field, op, value)
        case "substringof":
            let value = try literal()
            try expect(.comma, "','")
            expression = .comparison(try property(), .contains, value)
        default:
            throw .badRequest("$filter: unknown function \(name) (startswith, endswith, contains and substringof are known)")
        }
        try expect(.close, "')'")
        // OData v2/v3 clients write `startswith(Name,'x') eq true`.
        if case .word(let word)? = peek, let op = FilterOperator.named(word), op == .eq || op == .ne {
            position += 1
            guard case .boolean(let flag) = try literal() else {
                throw .badRequest("$filter: a function's result compares only with true or false")
            }
            return flag == (op == .eq) ? expression : .not(expression)
        }
        return expression
    }

    private mutating func property() throws(APIError) -> BatchTaskField {
        guard case .word(let word)? = peek, let field = BatchTaskField.named(caseInsensitive: word) else {
            throw .badRequest("$filter: expected a property name, got \(peek.map(describe) ?? "the end")")
        }
        position += 1
        return field
    }

    private mutating func literal() throws(APIError) -> FilterLiteral {
        defer { position += 1 }
        switch peek {
        case .string(let text)?: return .string(text)
        case .number(let n)?: return .integer(n)
        case .word(let word)? where word.lowercased() == "true": return .boolean(true)
        case .word(let word)? where word.lowercased() == "false": return .boolean(false)
        case .word(let word)? where word.lowercased() == "null": return .null
        default:
            throw .badRequest("$filter: expected a value ('text', a number, true, false or null), got \(peek.map(describe) ?? "the end")")
        }
    }

    private var peek: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func accept(_ token: Token) -> Bool {
        guard peek == token else { return false }
        position += 1
        return true
    }

    private mutating func accept(keyword: String) -> Bool {
        guard case .word(let word)? = peek, word.lowercased() == keyword else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ token: Token, _ what: String) throws(APIError) {
        guard accept(token) else { throw .badRequest("$filter: expected \(what), got \(peek.map(describe) ?? "the end")") }
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): return "'\(word)'"
        case .string(let text): return "the text '\(text)'"
        case .number(let n): return "the number \(n)"
        case .open: return "'('"
        case .close: return "')'"
        case .comma: return "','"
        }
    }

    private static func tokenize(_ text: String) throws(APIError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            switch c {
            case " ", "\t", "\n", "\r":
                i += 1
            case "(":
                tokens.append(.open)
                i += 1
            case ")":
                tokens.append(.close)
                i += 1
            case ",":
                tokens.append(.comma)
                i += 1
            case "'":
                var value = ""
                i += 1
                var closed = false
                while i < characters.count {
                    if characters[i] == "'" {
                        if i + 1 < characters.count, characters[i + 1] == "'" {
                            value.append("'")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(characters[i])
                    i += 1
                }
                guard closed else { throw .badRequest("$filter: a text value is missing its closing quote") }
                tokens.append(.string(value))
            case "-", "0"..."9":
                var j = i + 1
                while j < characters.count, characters[j].isASCII, characters[j].isNumber { j += 1 }
                guard let number = Int64(String(characters[i..<j])) else {
                    throw .badRequest("$filter: \(String(characters[i..<j])) is not a number")
                }
                tokens.append(.number(number))
                i = j
            default:
                guard c.isLetter || c == "_" else { throw .badRequest("$filter: unexpected character '\(c)'") }
                var j = i + 1
                while j < characters.count, characters[j].isLetter || characters[j].isNumber || characters[j] == "_" || characters[j] == "." || characters[j] == "/" {
                    j += 1
                }
                tokens.append(.word(String(characters[i..<j])))
                i = j
            }
        }
        return tokens
    }
}
