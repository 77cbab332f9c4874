/// The built-in functions. The compiler resolves a call's name to one of these once, so evaluation switches on the
/// case and never looks a name up.
package enum Function: String, CaseIterable, Sendable {
    case upper, lower, pad, range, join, `default`, json, len, sensitive
    case format, replace, split, trim, contains, startsWith, endsWith, keys, values, merge, concat, min, max
    case coalesce, int, string, sha256, base64, lookup

    /// How many arguments a call takes.
    package enum Arity: Sendable {
        case exactly(Int)
        case atLeast(Int)
    }

    /// How a call is evaluated.
    package enum Evaluation: Sendable {
        /// Every argument first, then this.
        case eager(@Sendable (inout FunctionArguments) throws(ExpressionError) -> Value)
        /// The evaluator looks at the arguments one by one, so that an absent value can fall back to the next.
        case lazy
    }

    /// One row of the table: what a manifest must declare to use the function, how it is called, how it is evaluated.
    package struct Definition: Sendable {
        package var since: FormatVersion
        package var arity: Arity
        /// "pad(n, width)", for messages.
        package var signature: String
        package var evaluation: Evaluation
    }

    /// The table of built-in functions: every fact about each, in one place.
    package var definition: Definition {
        switch self {
        case .upper: return Definition(since: .v1, arity: .exactly(1), signature: "upper(s)", evaluation: .eager(Self.changeCase))
        case .lower: return Definition(since: .v1, arity: .exactly(1), signature: "lower(s)", evaluation: .eager(Self.changeCase))
        case .pad: return Definition(since: .v1, arity: .exactly(2), signature: "pad(n, width)", evaluation: .eager(Self.padDigits))
        case .range: return Definition(since: .v1, arity: .exactly(2), signature: "range(a, b)", evaluation: .eager(Self.rangeList))
        case .join: return Definition(since: .v1, arity: .exactly(2), signature: "join(list, sep)", evaluation: .eager(Self.joinTexts))
        case .default: return Definition(since: .v1, arity: .exactly(2), signature: "default(x, fallback)", evaluation: .lazy)
        case .json: return Definition(since: .v1, arity: .exactly(1), signature: "json(v)", evaluation: .eager(Self.jsonText))
        case .len: return Definition(since: .v1, arity: .exactly(1), signature: "len(x)", evaluation: .eager(Self.length))
        case .sensitive:
            return Definition(since: .v1, arity: .exactly(1), signature: "sensitive(x)", evaluation: .eager(Self.markSensitive))
        case .format:
            return Definition(since: .v1_1, arity: .atLeast(1), signature: "format(fmt, args...)", evaluation: .eager(Self.formatText))
        case .replace:
            return Definition(since: .v1_1, arity: .exactly(3), signature: "replace(s, old, new)", evaluation: .eager(Self.replaceText))
        case .split: return Definition(since: .v1_1, arity: .exactly(2), signature: "split(s, sep)", evaluation: .eager(Self.splitText))
        case .trim: return Definition(since: .v1_1, arity: .exactly(1), signature: "trim(s)", evaluation: .eager(Self.trimText))
        case .contains:
            return Definition(since: .v1_1, arity: .exactly(2), signature: "contains(list_or_string, x)",
                              evaluation: .eager(Self.search))
        case .startsWith:
            return Definition(since: .v1_1, arity: .exactly(2), signature: "startsWith(s, prefix)", evaluation: .eager(Self.affix))
        case .endsWith:
            return Definition(since: .v1_1, arity: .exactly(2), signature: "endsWith(s, suffix)", evaluation: .eager(Self.affix))
        case .keys: return Definition(since: .v1_1, arity: .exactly(1), signature: "keys(map)", evaluation: .eager(Self.mappingKeys))
        case .values: return Definition(since: .v1_1, arity: .exactly(1), signature: "values(map)", evaluation: .eager(Self.mappingValues))
        case .merge: return Definition(since: .v1_1, arity: .atLeast(1), signature: "merge(map, map...)", evaluation: .eager(Self.mergeMappings))
        case .concat:
            return Definition(since: .v1_1, arity: .atLeast(1), signature: "concat(list, list...)", evaluation: .eager(Self.concatLists))
        case .min:
            return Definition(since: .v1_1, arity: .atLeast(1), signature: "min(a, b, ...) or min(list)", evaluation: .eager(Self.extreme))
        case .max:
            return Definition(since: .v1_1, arity: .atLeast(1), signature: "max(a, b, ...) or max(list)", evaluation: .eager(Self.extreme))
        case .coalesce: return Definition(since: .v1_1, arity: .atLeast(2), signature: "coalesce(a, b, ...)", evaluation: .lazy)
        case .int: return Definition(since: .v1_1, arity: .exactly(1), signature: "int(s)", evaluation: .eager(Self.readInteger))
        case .string: return Definition(since: .v1_1, arity: .exactly(1), signature: "string(x)", evaluation: .eager(Self.makeText))
        case .sha256: return Definition(since: .v1_1, arity: .exactly(1), signature: "sha256(s)", evaluation: .eager(Self.sha256Digest))
        case .base64: return Definition(since: .v1_1, arity: .exactly(1), signature: "base64(s)", evaluation: .eager(Self.base64Text))
        case .lookup:
            return Definition(since: .v1_1, arity: .exactly(3), signature: "lookup(map, key, fallback)", evaluation: .eager(Self.lookUp))
        }
    }

    /// The manifest format that added the function.
    package var since: FormatVersion { definition.since }

    package var arity: Arity { definition.arity }

    package var signature: String { definition.signature }

    package func accepts(argumentCount count: Int) -> Bool {
        switch arity {
        case .exactly(let n): return count == n
        case .atLeast(let n): return count >= n
        }
    }

    /// "takes 2 arguments: pad(n, width)", for the error about a wrong count.
    package var arityDescription: String {
        switch arity {
        case .exactly(let n): return "takes \(n) argument\(n == 1 ? "" : "s"): \(signature)"
        case .atLeast(let n): return "takes at least \(n) argument\(n == 1 ? "" : "s"): \(signature)"
        }
    }

    /// Applies a function whose arguments are all evaluated (all but `default` and `coalesce`, which the evaluator
    /// takes one argument at a time). A result is sensitive when anything it was computed from is; error messages
    /// name types, never a value, so that a secret cannot leak through one.
    package func apply(_ values: [Value], offset: Int) throws(ExpressionError) -> Value {
        guard case .eager(let evaluate) = definition.evaluation else { return .null }
        var arguments = FunctionArguments(function: self, values: values, offset: offset)
        let result = try evaluate(&arguments)
        return arguments.isSensitive ? .secret(result) : result
    }

    /// "an integer", "a list", "null": a value's type for a message.
    package static func described(_ value: Value) -> String {
        switch value.revealed.value {
        case .null: return "null"
        case .int: return "an integer"
        default: return "a \(value.typeName)"
        }
    }
}

/// A version of the manifest format: which built-in functions a manifest may call.
package enum FormatVersion: String, CaseIterable, Comparable, Sendable {
    case v1 = "1"
    case v1_1 = "1.1"

    package static func < (lhs: FormatVersion, rhs: FormatVersion) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
