import Diagnostics

/// A YAML scalar that holds `${...}`, compiled: either one typed expression or text with expressions in it.
package struct ScalarTemplate: Sendable {
    package enum Part: Sendable {
        case text(String)
        case expression(Compiled, offset: Int)
    }

    package var parts: [Part] {
        didSet { estimatedLength = Self.estimatedLength(of: parts) }
    }
    /// Room for the literal text and a typical value per expression, so building the string allocates once.
    private(set) var estimatedLength: Int
    /// A plain scalar that is exactly one `${...}`: its value keeps the expression's own type.
    package var isSingleExpression: Bool
    package var location: SourceLocation
    /// Where offsets inside the text start, relative to `location` (1 past an opening quote); nil when the text
    /// spans lines and offsets cannot be mapped to columns.
    package var columnShift: Int?
    /// Top-level names the expressions refer to (`region`, `env.HOME`), for `explain`.
    package var references: [String]
    /// The scalar's text as written.
    package var source: String
    /// Whether an expression reads `run.*`: then the value is known only when a run starts.
    package var usesRun: Bool {
        parts.contains { if case .expression(let compiled, _) = $0 { return compiled.usesRun } else { return false } }
    }

    package init(parts: [Part], isSingleExpression: Bool, location: SourceLocation, columnShift: Int?, references: [String],
         source: String) {
        self.parts = parts
        self.estimatedLength = Self.estimatedLength(of: parts)
        self.isSingleExpression = isSingleExpression
        self.location = location
        self.columnShift = columnShift
        self.references = references
        self.source = source
    }

    private static func estimatedLength(of parts: [Part]) -> Int {
        parts.reduce(0) { sum, part in
            if case .text(let s) = part { return sum + s.utf8.count }
            return sum + 12
        }
    }

    /// The parsed pieces before names are resolved.
    package enum RawPart {
        case text(String)
        case expression(Syntax, offset: Int)
    }

    /// Splits a scalar's text into text and expressions. Returns nil when the text holds no `${` at all (so
    /// the scalar is plain data); `$${` stands for a literal `${`.
    package static func split(_ text: String) throws(ExpressionError) -> [RawPart]? {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return nil }
        let scalars = Array(text.unicodeScalars)
        var parts: [RawPart] = []
        var literal = ""
        var sawSyntax = false
        var i = 0
        while i < scalars.count {
            if scalars[i] == "$", i + 2 < scalars.count, scalars[i + 1] == "$", scalars[i + 2] == "{" {
                literal.unicodeScalars.append(contentsOf: ["$", "{"])
                i += 3
                sawSyntax = true
            } else if scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{" {
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                let (syntax, end) = try Parser.parse(scalars, from: i + 2)
                parts.append(.expression(syntax, offset: i))
                i = end
                sawSyntax = true
            } else {
                literal.unicodeScalars.append(scalars[i])
                i += 1
            }
        }
        guard sawSyntax else { return nil }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    /// The diagnostic for an expression error at `offset` in this scalar.
    package func diagnostic(for error: ExpressionError) -> Diagnostic {
        ScalarTemplate.diagnostic(for: error, at: location, columnShift: columnShift)
    }

    package static func diagnostic(for error: ExpressionError, at location: SourceLocation, columnShift: Int?) -> Diagnostic {
        if let shift = columnShift {
            return .error(location.advanced(byColumns: shift + error.offset), error.message)
        }
        return .error(location, "\(error.message) (at column \(error.offset + 1) of the text)")
    }

    package static func collectReferences(_ syntax: Syntax, into names: inout [String]) {
        switch syntax {
        case .literal: break
        case .list(let items, _): for item in items { collectReferences(item, into: &names) }
        case .map(let entries, _):
            for entry in entries { collectReferences(entry.key, into: &names); collectReferences(entry.value, into: &names) }
        case .name(let n, _): if !names.contains(n) { names.append(n) }
        case .member(.name(let root, _), let member, _) where root == "env" || root == "set" || root == "task" || root == "run":
            let n = "\(root).\(member)"
            if !names.contains(n) { names.append(n) }
        case .member(let base, _, _): collectReferences(base, into: &names)
        case .index(let a, let b, _): collectReferences(a, into: &names); collectReferences(b, into: &names)
        case .call(_, let args, _): for a in args { collectReferences(a, into: &names) }
        case .unary(_, let a, _): collectReferences(a, into: &names)
        case .binary(_, let a, let b, _): collectReferences(a, into: &names); collectReferences(b, into: &names)
        case .conditional(let a, let b, let c, _):
            collectReferences(a, into: &names); collectReferences(b, into: &names); collectReferences(c, into: &names)
        }
    }

    package func evaluate(_ context: EvaluationContext) throws(ExpressionError) -> Value {
        if isSingleExpression, case .expression(let compiled, _) = parts[0] {
            return try Evaluator.evaluate(compiled, context)
        }
        // Built as bytes and turned into a String once: appending to a String piece by piece costs far more.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(estimatedLength)
        var secret = false
        for part in parts {
            switch part {
            case .text(let s):
                // The scalar's own text: no longer than the scalar.
                bytes.append(contentsOf: s.utf8)
            case .expression(let compiled, let offset):
                let (value, isSecret) = try Evaluator.evaluate(compiled, context).revealed
                secret = secret || isSecret
                switch value {
                case .string(let s):
                    guard ValueSize.ofText(bytes: ValueSize.sum(bytes.count, s.utf8.count)) <= ValueSize.limit else {
                        throw ValueSize.tooBig("the text", at: offset)
                    }
                    bytes.append(contentsOf: s.utf8)
                case .int(let i):
                    Interpolation.appendDecimal(i, to: &bytes)
                default:
                    guard let piece = Interpolation.text(of: value) else {
                        let advice = value == .null
                            ? "use default(x, \"\") to put a fallback in its place"
                            : "pass it through json() to put it into text"
                        throw ExpressionError(offset: offset, message: "a \(value.typeName) cannot be part of a text; \(advice)")
                    }
                    bytes.append(contentsOf: piece.utf8)
                }
            }
        }
        guard ValueSize.ofText(bytes: bytes.count) <= ValueSize.limit else { throw ValueSize.tooBig("the text", at: 0) }
        let text = String(decoding: bytes, as: UTF8.self)
        return secret ? .secret(.string(text)) : .string(text)
    }
}
