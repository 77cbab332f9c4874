import Crypto
import Foundation

/// The built-in functions that make or read text.
extension Function {
    static func changeCase(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let function = arguments.function, offset = arguments.offset
        let (v, secret) = arguments.values[0].revealed
        guard case .string(let s) = v else {
            throw ExpressionError(offset: offset, message: "\(function.rawValue)() takes a string, not a \(v.typeName)")
        }
        // A few letters grow when their case changes (ß becomes SS), never more than threefold: checked once made.
        let changed = function == .upper ? s.uppercased() : s.lowercased()
        guard ValueSize.ofText(bytes: changed.utf8.count) <= ValueSize.limit else {
            throw ValueSize.tooBig("\(function.rawValue)()", at: offset)
        }
        let result = Value.string(changed)
        return secret ? .secret(result) : result
    }

    static func padDigits(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let offset = arguments.offset
        let (n, secret1) = arguments.values[0].revealed
        let (w, secret2) = arguments.values[1].revealed
        guard case .int(let width) = w, width >= 0, width <= 1000 else {
            throw ExpressionError(offset: offset, message: "pad() takes a width between 0 and 1000")
        }
        let digits: String
        var negative = false
        switch n {
        case .int(let i):
            negative = i < 0
            digits = String(i.magnitude)
        case .string(let s) where !s.isEmpty && s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }):
            digits = s
        default:
            throw ExpressionError(offset: offset, message: "pad() takes an integer (or a string of digits), not a \(n.typeName)")
        }
        let padding = Swift.max(0, Int(width) - digits.utf8.count - (negative ? 1 : 0))
        var text = ""
        text.reserveCapacity(padding + digits.utf8.count + 1)
        if negative { text.append("-") }
        for _ in 0..<padding { text.append("0") }
        text.append(digits)
        let result = Value.string(text)
        return secret1 || secret2 ? .secret(result) : result
    }

    static func joinTexts(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let offset = arguments.offset
        let (list, secret1) = arguments.values[0].revealed
        let (separator, secret2) = arguments.values[1].revealed
        guard case .list(let items) = list else {
            throw ExpressionError(offset: offset, message: "join() takes a list first, not a \(list.typeName)")
        }
        guard case .string(let sep) = separator else {
            throw ExpressionError(offset: offset, message: "join() takes a string separator, not a \(separator.typeName)")
        }
        var secret = secret1 || secret2
        var parts: [String] = []
        parts.reserveCapacity(items.count)
        var bytes = 0
        for item in items {
            let (v, s) = item.revealed
            secret = secret || s
            guard let text = Interpolation.text(of: v) else {
                throw ExpressionError(offset: offset, message: "join() cannot put a \(v.typeName) into text; use json() for it")
            }
            bytes = ValueSize.sum(bytes, ValueSize.sum(text.utf8.count, parts.isEmpty ? 0 : sep.utf8.count))
            guard ValueSize.ofText(bytes: bytes) <= ValueSize.limit else { throw ValueSize.tooBig("join()", at: offset) }
            parts.append(text)
        }
        let result = Value.string(parts.joined(separator: sep))
        return secret ? .secret(result) : result
    }

    static func formatText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let template = try arguments.text(0, "format")
        var argumentsSecret = false
        let text = try formatted(template, arguments.values.dropFirst(), secret: &argumentsSecret, offset: arguments.offset)
        arguments.isSensitive = arguments.isSensitive || argumentsSecret
        return .string(text)
    }

    static func replaceText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let s = try arguments.text(0, "first argument"), old = try arguments.text(1, "text to find")
        let new = try arguments.text(2, "replacement")
        guard !old.isEmpty else { throw arguments.failure("needs a text to find that is not empty") }
        let matches = occurrences(of: Array(old.utf8), in: Array(s.utf8))
        let (grown, overflow) = (new.utf8.count - old.utf8.count).multipliedReportingOverflow(by: matches.count)
        guard !overflow, ValueSize.ofText(bytes: ValueSize.sum(s.utf8.count, grown)) <= ValueSize.limit else {
            throw ValueSize.tooBig("replace()", at: arguments.offset)
        }
        return .string(replacing(matches, length: old.utf8.count, in: Array(s.utf8), with: Array(new.utf8)))
    }

    static func splitText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let s = try arguments.text(0, "first argument"), separator = try arguments.text(1, "separator")
        guard !separator.isEmpty else { throw arguments.failure("needs a separator that is not empty") }
        let bytes = Array(s.utf8), separatorLength = separator.utf8.count
        let matches = occurrences(of: Array(separator.utf8), in: bytes)
        // The list, each piece, and the bytes of the text but its separators.
        let pieceCount = matches.count + 1
        let size = ValueSize.bytesPerValue * (1 + pieceCount) + bytes.count - separatorLength * matches.count
        guard size <= ValueSize.limit else { throw ValueSize.tooBig("split()", at: arguments.offset) }
        var pieces: [Value] = []
        pieces.reserveCapacity(matches.count + 1)
        var start = 0
        for match in matches {
            pieces.append(.string(String(decoding: bytes[start..<match], as: UTF8.self)))
            start = match + separatorLength
        }
        pieces.append(.string(String(decoding: bytes[start...], as: UTF8.self)))
        return .list(pieces)
    }

    static func trimText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        .string(try arguments.text(0, "argument").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `startsWith` and `endsWith`.
    static func affix(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let starts = arguments.function == .startsWith
        let s = Array(try arguments.text(0, "first argument").utf8)
        let part = Array(try arguments.text(1, starts ? "prefix" : "suffix").utf8)
        return .bool(starts ? s.starts(with: part) : s.reversed().starts(with: part.reversed()))
    }

    static func makeText(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let value = arguments.plain(0)
        guard let s = Interpolation.text(of: value) else {
            let advice = value == .null ? "use default(x, \"\") to give a fallback" : "use json() for it"
            throw arguments.failure("cannot make text of \(described(value)); \(advice)")
        }
        return .string(s)
    }

    static func sha256Digest(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let digest = SHA256.hash(data: Array(try arguments.text(0, "argument").utf8))
        return .string(hex(digest))
    }

    static func base64Text(_ arguments: inout FunctionArguments) throws(ExpressionError) -> Value {
        let bytes = Array(try arguments.text(0, "argument").utf8)
        guard ValueSize.ofText(bytes: (bytes.count + 2) / 3 * 4) <= ValueSize.limit else {
            throw ValueSize.tooBig("base64()", at: arguments.offset)
        }
        return .string(Data(bytes).base64EncodedString())
    }

    /// `format`'s text: `%s` takes text, a number or a boolean, `%d` an integer, `%%` is a percent sign; every
    /// argument must be used.
    private static func formatted(_ template: String, _ arguments: ArraySlice<Value>, secret: inout Bool,
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
                let text = try formatArgument(value, verb: verb, position: position, failure: failure)
                guard fits(text) else { throw ValueSize.tooBig("format()", at: offset) }
                output += text
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

    /// The text `%d` or `%s` puts in place of the argument at `position` (counted from the format, 1).
    private static func formatArgument(_ value: Value, verb: Unicode.Scalar, position: Int,
                                       failure: (String) -> ExpressionError) throws(ExpressionError) -> String {
        if verb == "d" {
            guard case .int(let n) = value else {
                throw failure("%d takes an integer, but argument \(position) is \(described(value))")
            }
            return String(n)
        }
        guard let text = Interpolation.text(of: value) else {
            let advice = value == .null ? "use default(x, \"\") to give a fallback" : "pass it through json()"
            throw failure("%s takes text, a number or a boolean, but argument \(position) is \(described(value)); \(advice)")
        }
        return text
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
