/// Splits the inside of `${ ... }` into tokens; stops at the `}` that closes the expression.
struct Lexer {
    enum Kind: Equatable, Sendable {
        case integer(Int64)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end  // a `}`: the one that closes the expression, or a map literal's
    }

    struct Token: Sendable {
        var kind: Kind
        var offset: Int
    }

    private let scalars: [Unicode.Scalar]
    private(set) var position: Int

    init(scalars: [Unicode.Scalar], start: Int) {
        self.scalars = scalars
        self.position = start
    }

    private static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||"]
    private static let oneCharacterSymbols: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "<", ">", "!", "?", ":", "(", ")", "[", "]", "{", ",", "."]

    mutating func next() throws(ExpressionError) -> Token {
        while position < scalars.count, scalars[position] == " " || scalars[position] == "\t" || scalars[position] == "\n" {
            position += 1
        }
        guard position < scalars.count else {
            throw ExpressionError(offset: position, message: "unterminated '${': add the closing '}'")
        }
        let start = position
        let c = scalars[position]
        if c == "}" {
            position += 1
            return Token(kind: .end, offset: start)
        }
        if ("0"..."9").contains(c) {
            var value: Int64 = 0
            while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                let digit = Int64(scalars[position].value - 48)
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(digit)
                if o1 || o2 { throw ExpressionError(offset: start, message: "integer literal is too large") }
                value = a
                position += 1
            }
            return Token(kind: .integer(value), offset: start)
        }
        if c == "_" || c.properties.isAlphabetic {
            while position < scalars.count, scalars[position] == "_" || scalars[position].properties.isAlphabetic
                || ("0"..."9").contains(scalars[position]) {
                position += 1
            }
            var name = ""
            name.unicodeScalars.append(contentsOf: scalars[start..<position])
            return Token(kind: .identifier(name), offset: start)
        }
        if c == "\"" {
            return Token(kind: .string(try stringLiteral()), offset: start)
        }
        if position + 1 < scalars.count {
            var pair = ""
            pair.unicodeScalars.append(c)
            pair.unicodeScalars.append(scalars[position + 1])
            if Lexer.twoCharacterSymbols.contains(pair) {
                position += 2
                return Token(kind: .symbol(pair), offset: start)
            }
        }
        if Lexer.oneCharacterSymbols.contains(c) {
            position += 1
            return Token(kind: .symbol(String(c)), offset: start)
        }
        if c == "'" {
            throw ExpressionError(offset: start, message: "strings in expressions use double quotes: \"text\"")
        }
        if c == "=" {
            throw ExpressionError(offset: start, message: "unexpected '='; to compare, write '=='")
        }
        if c == "&" || c == "|" {
            throw ExpressionError(offset: start, message: "unexpected '\(c)'; write '\(c)\(c)'")
        }
        throw ExpressionError(offset: start, message: "unexpected character '\(c)'")
    }

    private mutating func stringLiteral() throws(ExpressionError) -> String {
        let start = position
        position += 1
        var text = ""
        while position < scalars.count {
            let c = scalars[position]
            position += 1
            switch c {
            case "\"":
                return text
            case "\\":
                guard position < scalars.count else { break }
                let e = scalars[position]
                position += 1
                switch e {
                case "\"": text.unicodeScalars.append("\"")
                case "\\": text.unicodeScalars.append("\\")
                case "n": text.unicodeScalars.append("\n")
                case "t": text.unicodeScalars.append("\t")
                case "r": text.unicodeScalars.append("\r")
                default:
                    throw ExpressionError(offset: position - 2, message: "unknown escape '\\\(e)' in string (known: \\\" \\\\ \\n \\t \\r)")
                }
            default:
                text.unicodeScalars.append(c)
            }
        }
        throw ExpressionError(offset: start, message: "unterminated string: add the closing '\"'")
    }
}
