import Crypto
import Foundation
import OrderedCollections

/// The built-in functions. The compiler resolves a call's name to one of these once, so evaluation switches on the
/// case and never looks a name up.
package enum Function: String, CaseIterable, Sendable {
    case upper, lower, pad, range, join, `default`, json, len, sensitive
    // Added in format 1.1.
    case format, replace, split, trim, contains, startsWith, endsWith, keys, values, merge, concat, min, max
    case coalesce, int, string, sha256, base64, lookup

    /// How many arguments a call takes.
    package enum Arity: Sendable {
        case exactly(Int)
        case atLeast(Int)
    }

    package var arity: Arity {
        switch self {
        case .upper, .lower, .json, .len, .sensitive, .trim, .keys, .values, .int, .string, .sha256, .base64:
            return .exactly(1)
        case .pad, .range, .join, .default, .split, .contains, .startsWith, .endsWith:
            return .exactly(2)
        case .replace, .lookup:
            return .exactly(3)
        case .format, .merge, .concat, .min, .max:
            return .atLeast(1)
        case .coalesce:
            return .atLeast(2)
        }
    }

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

    package var signature: String {
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
        case .format: return "format(fmt, args...)"
        case .replace: return "replace(s, old, new)"
        case .split: return "split(s, sep)"
        case .trim: return "trim(s)"
        case .contains: return "contains(list_or_string, x)"
        case .startsWith: return "startsWith(s, prefix)"
        case .endsWith: return "endsWith(s, suffix)"
        case .keys: return "keys(map)"
        case .values: return "values(map)"
        case .merge: return "merge(map, map...)"
        case .concat: return "concat(list, list...)"
        case .min: return "min(a, b, ...) or min(list)"
        case .max: return "max(a, b, ...) or max(list)"
        case .coalesce: return "coalesce(a, b, ...)"
        case .int: return "int(s)"
        case .string: return "string(x)"
        case .sha256: return "sha256(s)"
        case .base64: return "base64(s)"
        case .lookup: return "lookup(map, key, fallback)"
        }
    }
}

extension Function {
    /// Applies a function of format 1.1 whose arguments are all evaluated (all but `coalesce`). A result is
    /// sensitive when anything it was computed from is; error messages name types, never a value, so that a
    /// secret cannot leak through one.
    package func apply(_ arguments: [Value], offset: Int) throws(ExpressionError) -> Value {
        var secret = false
        func plain(_ value: Value) -> Value {
            let (inner, isSecret) = value.revealed
            secret = secret || isSecret
            return inner
        }
        func text(_ index: Int, _ role: String) throws(ExpressionError) -> String {
            let value = plain(arguments[index])
            guard case .string(let s) = value else { throw failure("takes text as its \(role), not \(Self.described(value))", offset) }
            return s
        }
        func mapping(_ index: Int) throws(ExpressionError) -> OrderedDictionary<String, Value> {
            let value = plain(arguments[index])
            guard case .map(let entries) = value else {
                let which = self == .merge ? "mappings" : "a mapping first"
                throw failure("takes \(which), not \(Self.described(value))\(self == .merge ? " (argument \(index + 1))" : "")", offset)
            }
            return entries
        }
        let result: Value
        switch self {
        case .format:
            let template = try text(0, "format")
            var argumentsSecret = false
            result = .string(try Self.format(template, arguments.dropFirst(), secret: &argumentsSecret, offset: offset))
            secret = secret || argumentsSecret
        case .replace:
            let s = try text(0, "first argument"), old = try text(1, "text to find"), new = try text(2, "replacement")
            guard !old.isEmpty else { throw failure("needs a text to find that is not empty", offset) }
            let matches = Self.occurrences(of: Array(old.utf8), in: Array(s.utf8))
            let (grown, overflow) = (new.utf8.count - old.utf8.count).multipliedReportingOverflow(by: matches.count)
            guard !overflow, ValueSize.ofText(bytes: ValueSize.sum(s.utf8.count, grown)) <= ValueSize.limit else {
                throw ValueSize.tooBig("replace()", at: offset)
            }
            result = .string(Self.replacing(matches, length: old.utf8.count, in: Array(s.utf8), with: Array(new.utf8)))
        case .split:
            let s = try text(0, "first argument"), separator = try text(1, "separator")
            guard !separator.isEmpty else { throw failure("needs a separator that is not empty", offset) }
            let bytes = Array(s.utf8), separatorLength = separator.utf8.count
            let matches = Self.occurrences(of: Array(separator.utf8), in: bytes)
            // The list, each piece, and the bytes of the text but its separators.
            let pieceCount = matches.count + 1
            let size = ValueSize.bytesPerValue * (1 + pieceCount) + bytes.count - separatorLength * matches.count
            guard size <= ValueSize.limit else { throw ValueSize.tooBig("split()", at: offset) }
            var pieces: [Value] = []
            pieces.reserveCapacity(matches.count + 1)
            var start = 0
            for match in matches {
                pieces.append(.string(String(decoding: bytes[start..<match], as: UTF8.self)))
                start = match + separatorLength
            }
            pieces.append(.string(String(decoding: bytes[start...], as: UTF8.self)))
            result = .list(pieces)
        case .trim:
            result = .string(try text(0, "argument").trimmingCharacters(in: .whitespacesAndNewlines))
        case .contains:
            let container = plain(arguments[0])
            switch container {
            case .string(let s):
                let part = try text(1, "second argument when the first is text")
                result = .bool(part.isEmpty || !Self.occurrences(of: Array(part.utf8), in: Array(s.utf8), first: true).isEmpty)
            case .list(let items):
                let wanted = plain(arguments[1])
                secret = secret || arguments[1].containsSensitive || items.contains { $0.containsSensitive }
                result = .bool(items.contains { Self.sameData($0, wanted) })
            default:
                throw failure("looks in a list or a text, not \(Self.described(container))", offset)
            }
        case .startsWith, .endsWith:
            let s = Array(try text(0, "first argument").utf8)
            let part = Array(try text(1, self == .startsWith ? "prefix" : "suffix").utf8)
            result = .bool(self == .startsWith ? s.starts(with: part) : s.reversed().starts(with: part.reversed()))
        case .keys:
            result = .list(try mapping(0).keys.map { .string($0) })
        case .values:
            result = .list(Array(try mapping(0).values))
        case .merge:
            var merged = try mapping(0)
            for index in arguments.indices.dropFirst() {
                for (key, value) in try mapping(index) { merged[key] = value }
            }
            // A merge holds no more entries than its arguments do, so it is measured once made.
            result = .map(merged)
            try ValueSize.measure(result).check("merge()", at: offset)
        case .concat:
            var items: [Value] = []
            var measure = ValueSize.Measure(size: ValueSize.bytesPerValue, depth: 1)
            for index in arguments.indices {
                let value = plain(arguments[index])
                guard case .list(let more) = value else {
                    throw failure("takes lists, not \(Self.described(value)) (argument \(index + 1))", offset)
                }
                try measure.addItems(of: value, as: "concat()", at: offset)
                items.append(contentsOf: more)
            }
            result = .list(items)
        case .min, .max:
            var candidates = arguments
            if arguments.count == 1, case .list(let items) = plain(arguments[0]) {
                guard !items.isEmpty else { throw failure("of an empty list has no value", offset) }
                candidates = items
            }
            var best: Int64?
            for candidate in candidates {
                let value = plain(candidate)
                guard case .int(let n) = value else {
                    throw failure("compares integers (or takes one list of them), not \(Self.described(value))", offset)
                }
                if let current = best { best = self == .min ? Swift.min(current, n) : Swift.max(current, n) } else { best = n }
            }
            result = .int(best ?? 0)
        case .int:
            let value = plain(arguments[0])
            switch value {
            case .int:
                result = value
            case .string(let s):
                guard let n = Int64(s, radix: 10) else {
                    let shown = secret ? "the sensitive text" : "'\(s.count > 40 ? String(s.prefix(40)) + "..." : s)'"
                    throw failure("cannot read \(shown) as a decimal integer (digits, an optional sign, nothing around them; trim() takes spaces off)", offset)
                }
                result = .int(n)
            default:
                throw failure("takes text of a decimal integer, not \(Self.described(value))", offset)
            }
        case .string:
            let value = plain(arguments[0])
            guard let s = Interpolation.text(of: value) else {
                let advice = value == .null ? "use default(x, \"\") to give a fallback" : "use json() for it"
                throw failure("cannot make text of \(Self.described(value)); \(advice)", offset)
            }
            result = .string(s)
        case .sha256:
            let digest = SHA256.hash(data: Array(try text(0, "argument").utf8))
            result = .string(Self.hex(digest))
        case .base64:
            let bytes = Array(try text(0, "argument").utf8)
            guard ValueSize.ofText(bytes: (bytes.count + 2) / 3 * 4) <= ValueSize.limit else {
                throw ValueSize.tooBig("base64()", at: offset)
            }
            result = .string(Data(bytes).base64EncodedString())
        case .lookup:
            let entries = try mapping(0)
            let key = try text(1, "key")
            if let found = entries[key] {
                result = found
            } else {
                result = arguments[2]
            }
        case .upper, .lower, .pad, .range, .join, .default, .json, .len, .sensitive, .coalesce:
            // Evaluated by Evaluator.call, which keeps the functions of format 1 on their own path.
            throw failure("is not evaluated here", offset)
        }
        return secret ? .secret(result) : result
    }

    /// "an integer", "a list", "null": a value's type for a message.
    package static func described(_ value: Value) -> String {
        switch value.revealed.value {
        case .null: return "null"
        case .int: return "an integer"
        default: return "a \(value.typeName)"
        }
    }

    private func failure(_ message: String, _ offset: Int) -> ExpressionError {
        ExpressionError(offset: offset, message: "\(rawValue)() \(message)")
    }

    /// `format`'s text: `%s` takes text, a number or a boolean, `%d` an integer, `%%` is a percent sign; every
    /// argument must be used.
    private static func format(_ template: String, _ arguments: ArraySlice<Value>, secret: inout Bool,
                               offset: Int) throws(ExpressionError) -> String {
        func failure(_ message: String) -> ExpressionError { ExpressionError(offset: offset, message: "format() \(message)") }
        var output = ""
        output.reserveCapacity(template.utf8.count + 16 * arguments.count)
        // Each argument is checked before it is added; the template's own text, no longer than the template (a
        // value within the limit), once the output is made.
        func fits(_ text: String) -> Bool {
            ValueSize.ofText(bytes: ValueSize.sum(output.utf8.count, text.utf8.count)) <= ValueSize.limit
        }
        var next = arguments.startIndex
        var scalars = template.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            guard c == "%" else {
                output.unicodeScalars.append(c)
                continue
            }
            guard let verb = scalars.next() else {
                throw failure("string ends with a lone '%'; write %% for a percent sign")
            }
            switch verb {
            case "%":
                output.unicodeScalars.append("%")
                continue
            case "s", "d":
                guard next < arguments.endIndex else {
                    throw failure("has more %s and %d than the \(arguments.count) argument\(arguments.count == 1 ? "" : "s") after the format")
                }
                let (value, isSecret) = arguments[next].revealed
                secret = secret || isSecret
                let position = next - arguments.startIndex + 2
                next += 1
                if verb == "d" {
                    guard case .int(let n) = value else {
                        throw failure("%d takes an integer, but argument \(position) is \(Self.described(value))")
                    }
                    let digits = String(n)
                    guard fits(digits) else { throw ValueSize.tooBig("format()", at: offset) }
                    output += digits
                } else {
                    guard let text = Interpolation.text(of: value) else {
                        let advice = value == .null ? "use default(x, \"\") to give a fallback" : "pass it through json()"
                        throw failure("%s takes text, a number or a boolean, but argument \(position) is \(Self.described(value)); \(advice)")
                    }
                    guard fits(text) else { throw ValueSize.tooBig("format()", at: offset) }
                    output += text
                }
            default:
                throw failure("knows %s, %d and %%, not '%\(verb)'")
            }
        }
        guard next == arguments.endIndex else {
            let used = next - arguments.startIndex
            throw failure("uses \(used) of its \(arguments.count) argument\(arguments.count == 1 ? "" : "s") after the format; each %s or %d takes one")
        }
        guard fits("") else { throw ValueSize.tooBig("format()", at: offset) }
        return output
    }

    /// Where `needle` starts in `haystack`, left to right without overlaps, in linear time (Knuth-Morris-Pratt), so
    /// that no pair of texts can make a search slow. UTF-8 is self-synchronizing: a match of valid text always
    /// starts on a character's first byte.
    package static func occurrences(of needle: [UInt8], in haystack: [UInt8], first: Bool = false) -> [Int] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<needle.count {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        var matches: [Int] = []
        var matched = 0
        for (i, byte) in haystack.enumerated() {
            while matched > 0 && byte != needle[matched] { matched = failure[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count {
                matches.append(i + 1 - needle.count)
                if first { return matches }
                matched = 0  // no overlaps: the next match starts after this one
            }
        }
        return matches
    }

    private static func replacing(_ matches: [Int], length: Int, in bytes: [UInt8], with replacement: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + matches.count * Swift.max(0, replacement.count - length))
        var start = 0
        for match in matches {
            output.append(contentsOf: bytes[start..<match])
            output.append(contentsOf: replacement)
            start = match + length
        }
        output.append(contentsOf: bytes[start...])
        return String(decoding: output, as: UTF8.self)
    }

    /// Equal as data, whatever is marked sensitive inside either value.
    package static func sameData(_ a: Value, _ b: Value) -> Bool {
        switch (a.revealed.value, b.revealed.value) {
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameData($0, $1) }
        case (.map(let x), .map(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && sameData($0.value, $1.value) }
        case (let x, let y):
            return x == y
        }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 * SHA256.byteCount)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
