import OrderedCollections

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts; deeper input is an error, never a crash.
    public static let maximumDepth = 512

    /// Parses exactly one JSON value (RFC 8259), with optional whitespace around it.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in parseResult(buffer, sequence: false) }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ parseResult($0, sequence: false) }) {
        case .success(let values): return values.first ?? .null
        case .failure(let error): throw error
        }
    }

    /// Parses exactly one JSON value (RFC 8259), with optional whitespace around it.
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        switch text.withUTF8({ parseResult($0, sequence: false) }) {
        case .success(let values): return values.first ?? .null
        case .failure(let error): throw error
        }
    }

    /// Parses zero or more JSON values separated by whitespace (a number or literal must be followed by
    /// whitespace before the next value; containers and strings may touch).
    public static func parseSequence(_ bytes: some Collection<UInt8>) throws(JSONError) -> [JSONValue] {
        let result = bytes.withContiguousStorageIfAvailable { buffer in parseResult(buffer, sequence: true) }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ parseResult($0, sequence: true) }) {
        case .success(let values): return values
        case .failure(let error): throw error
        }
    }

    /// Parses zero or more JSON values separated by whitespace.
    public static func parseSequence(_ text: String) throws(JSONError) -> [JSONValue] {
        var text = text
        switch text.withUTF8({ parseResult($0, sequence: true) }) {
        case .success(let values): return values
        case .failure(let error): throw error
        }
    }

    /// Parses one JSON value like `parse(_:)`, except the members named `key` of the objects nested `depth` deep
    /// (the top-level object's own members are at depth 1): their values are checked just as strictly but not
    /// built. Each goes into `captured` as compact JSON text, and the tree holds its index there as an `.int`.
    /// A large file whose big subtrees are needed only now and then is read in a fraction of the memory.
    public static func parse(
        _ bytes: [UInt8], capturing key: String, atDepth depth: Int
    ) throws(JSONError) -> (value: JSONValue, captured: [[UInt8]]) {
        let result = bytes.withUnsafeBufferPointer { buffer -> Result<(JSONValue, [[UInt8]]), JSONError> in
            var parser = JSONParser(buffer)
            parser.capture = (key, depth)
            do throws(JSONError) {
                let value = try parser.parseSingle()
                return .success((value, parser.captured))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // The storage closures are `rethrows` (untyped), so the typed error travels out as a Result.
    private static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>, sequence: Bool) -> Result<[JSONValue], JSONError> {
        var parser = JSONParser(buffer)
        do throws(JSONError) {
            return .success(sequence ? try parser.parseSequence() : [try parser.parseSingle()])
        } catch {
            return .failure(error)
        }
    }
}

private extension UInt8 {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")

    var isJSONWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
    var isDigit: Bool { self >= .zero && self <= .nine }
}

/// An iterative parser: containers live on explicit stacks, so deep input cannot overflow the thread's stack.
private struct JSONParser {
    private struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var frames: [Frame] = []
    // Finished children of every open container, flattened; a container takes its slice when it closes.
    private var values: [JSONValue] = []
    private var keys: [String] = []
    private var scratch: [UInt8] = []
    /// Members whose values are captured as text instead of built (see `JSONValue.parse(_:capturing:atDepth:)`).
    var capture: (key: String, depth: Int)?
    private(set) var captured: [[UInt8]] = []
    private var captureBuffer: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(at: offset ?? index, in: bytes, message)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let c = bytes[index]
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16, uppercase: true)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count && bytes[index].isJSONWhitespace { index += 1 }
    }

    mutating func parseSingle() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describeCurrent()) after the JSON value")
        }
        return value
    }

    mutating func parseSequence() throws(JSONError) -> [JSONValue] {
        var result: [JSONValue] = []
        skipWhitespace()
        while index < bytes.count {
            let first = bytes[index]
            result.append(try parseValue())
            let end = index
            skipWhitespace()
            let delimited = first == .openBrace || first == .openBracket || first == .quote
            if index == end && index < bytes.count && !delimited {
                throw error("expected whitespace between JSON values, found \(describeCurrent())")
            }
        }
        return result
    }

    // The parser keeps its own stack of open containers (`frames`) rather than recursing, so nesting costs no
    // call stack; the helpers below are split by value kind and inlined, to keep this hot path as fast as one loop.
    private mutating func parseValue() throws(JSONError) -> JSONValue {
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
            guard var value = try startValue() else { continue }

            // Hand the finished value to the open containers, closing as many as end here.
            while true {
                guard let top = frames.last else { return value }
                values.append(value)
                skipWhitespace()
                guard index < bytes.count else {
                    throw error(top.isObject ? "unexpected end of input, expected ',' or '}'" : "unexpected end of input, expected ',' or ']'")
                }
                if bytes[index] == .comma {
                    index += 1
                    if top.isObject { try parseKey(expectation: "expected a string key") }
                    break
                }
                value = top.isObject ? try closeObject(top) : try closeArray(top)
                frames.removeLast()
            }
        }
    }

    /// A scalar, an empty container or a captured value; nil when it opened a container whose first value is next.
    @inline(__always)
    private mutating func startValue() throws(JSONError) -> JSONValue? {
        if let capture, frames.count == capture.depth, frames.last?.isObject == true, keys.last == capture.key {
            captured.append(try scanCompact())
            return .int(Int64(captured.count - 1))
        }
        switch bytes[index] {
        case .openBrace:
            return try openContainer(isObject: true)
        case .openBracket:
            return try openContainer(isObject: false)
        case .quote:
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case .minus, .zero ... .nine:
            return try parseNumber()
        case UInt8(ascii: "'"):
            throw error("strings must use double quotes")
        default:
            throw error("expected a value, found \(describeCurrent())")
        }
    }

    /// Reads `{` or `[`: an empty container is a value at once; otherwise a frame is opened (and an object's first
    /// key read) and nil returned.
    @inline(__always)
    private mutating func openContainer(isObject: Bool) throws(JSONError) -> JSONValue? {
        guard frames.count < JSONValue.maximumDepth else {
            throw error("nesting deeper than \(JSONValue.maximumDepth) arrays and objects")
        }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == (isObject ? .closeBrace : .closeBracket) {
            index += 1
            return isObject ? .object([:]) : .array([])
        }
        frames.append(Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count))
        if isObject { try parseKey(expectation: "expected a string key or '}'") }
        return nil
    }

    /// Reads the `}` that ends the object of `top` and builds it from the keys and values gathered since it opened.
    @inline(__always)
    private mutating func closeObject(_ top: Frame) throws(JSONError) -> JSONValue {
        guard bytes[index] == .closeBrace else { throw error("expected ',' or '}', found \(describeCurrent())") }
        index += 1
        var members = OrderedDictionary<String, JSONValue>(minimumCapacity: values.count - top.valueStart)
        var k = top.keyStart
        for v in values[top.valueStart...] {
            // RFC 8259 leaves duplicate names to the reader; taking the last in silence would let a
            // state hide an entry, so they are refused.
            if members.updateValue(v, forKey: keys[k]) != nil {
                throw error("duplicate key \(JSONValue.string(String(keys[k].prefix(80))).serialized()) in the object that ends here",
                            at: index - 1)
            }
            k += 1
        }
        keys.removeSubrange(top.keyStart...)
        values.removeSubrange(top.valueStart...)
        return .object(members)
    }

    /// Reads the `]` that ends the array of `top` and builds it from the values gathered since it opened.
    @inline(__always)
    private mutating func closeArray(_ top: Frame) throws(JSONError) -> JSONValue {
        guard bytes[index] == .closeBracket else { throw error("expected ',' or ']', found \(describeCurrent())") }
        index += 1
        let elements = Array(values[top.valueStart...])
        values.removeSubrange(top.valueStart...)
        return .array(elements)
    }

    /// Reads `"key" :` and leaves the index at the member's value.
    private mutating func parseKey(expectation: String) throws(JSONError) {
        let key = try readKey(expectation: expectation)
        keys.append(key.unescaped ?? string(key.quoted))
    }

    /// Reads `"key" :` and leaves the index at the member's value. Returns where the quoted key lies, and its text
    /// when it had escapes (see `skipString`).
    private mutating func readKey(expectation: String) throws(JSONError) -> (quoted: Range<Int>, unescaped: String?) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .quote else {
            throw error(index < bytes.count ? "\(expectation), found \(describeCurrent())" : "unexpected end of input, \(expectation)")
        }
        let start = index
        let unescaped = try skipString()
        let quoted = start..<index
        skipWhitespace()
        guard index < bytes.count, bytes[index] == .colon else {
            throw error("expected ':' after the key, found \(describeCurrent())")
        }
        index += 1
        return (quoted, unescaped)
    }

    // MARK: Capturing

    /// Checks one value from the current position as `parseValue` would and returns it as compact JSON text:
    /// the input's bytes without the whitespace between tokens, escapes kept as written.
    private mutating func scanCompact() throws(JSONError) -> [UInt8] {
        // Built in a reused buffer and copied out at its exact size: 100,000 texts that each grew by doubling
        // kept a third of their memory unused.
        var out: [UInt8] = []
        swap(&out, &captureBuffer)
        out.removeAll(keepingCapacity: true)
        defer { swap(&out, &captureBuffer) }
        var open: [Bool] = []  // whether each open container is an object
        // Each open object's member names so far and its first repeated one, refused when it ends as `parseValue`
        // refuses it.
        var names = OpenNames()
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
            let c = bytes[index]
            if c == .openBrace || c == .openBracket {
                guard frames.count + open.count < JSONValue.maximumDepth else {
                    throw error("nesting deeper than \(JSONValue.maximumDepth) arrays and objects")
                }
                let close: UInt8 = c == .openBrace ? .closeBrace : .closeBracket
                out.append(c)
                index += 1
                skipWhitespace()
                if index < bytes.count && bytes[index] == close {
                    out.append(close)
                    index += 1
                } else {
                    open.append(c == .openBrace)
                    if c == .openBrace {
                        names.open()
                        names.add(try scanKey(into: &out, expectation: "expected a string key or '}'"), in: bytes)
                    }
                    continue
                }
            } else {
                try scanScalar(c, into: &out)
            }
            // After a value: a comma goes on to the next one, closing brackets end containers.
            while true {
                guard let isObject = open.last else { return Array(out[...]) }
                skipWhitespace()
                guard index < bytes.count else {
                    throw error(isObject ? "unexpected end of input, expected ',' or '}'" : "unexpected end of input, expected ',' or ']'")
                }
                let d = bytes[index]
                if d == .comma {
                    out.append(d)
                    index += 1
                    if isObject { names.add(try scanKey(into: &out, expectation: "expected a string key"), in: bytes) }
                    break
                }
                if isObject {
                    guard d == .closeBrace else { throw error("expected ',' or '}', found \(describeCurrent())") }
                    if let duplicate = names.close() {
                        throw error("duplicate key \(JSONValue.string(String(duplicate.prefix(80))).serialized()) in the object that ends here",
                                    at: index)
                    }
                } else {
                    guard d == .closeBracket else { throw error("expected ',' or ']', found \(describeCurrent())") }
                }
                out.append(d)
                index += 1
                open.removeLast()
            }
        }
    }

    /// A scalar starting with `c`: checked as the parser checks it, then copied to `out` as written.
    @inline(__always)
    private mutating func scanScalar(_ c: UInt8, into out: inout [UInt8]) throws(JSONError) {
        let start = index
        switch c {
        case .quote: _ = try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case .minus, .zero ... .nine: _ = try parseNumber()
        case UInt8(ascii: "'"): throw error("strings must use double quotes")
        default: throw error("expected a value, found \(describeCurrent())")
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
    }

    /// Copies `"key":` to `out` and returns the key's name.
    private mutating func scanKey(into out: inout [UInt8], expectation: String) throws(JSONError) -> (quoted: Range<Int>, unescaped: String?) {
        let key = try readKey(expectation: expectation)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[key.quoted]))
        out.append(.colon)
        return key
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = index
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { w in
            bytes.count - start >= count && (0..<count).allSatisfy { bytes[start + $0] == w[$0] }
        }
        guard matches else { throw error("expected a value, found \(describeCurrent())") }
        index += count
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONError) -> String {
        let start = index
        if let unescaped = try skipString() { return unescaped }
        return string(start..<index)
    }

    /// Checks the string at the index and moves past it. A string with escapes is decoded on the way (the slow
    /// path) and returned; for one without, nil: its text is the bytes between the quotes, made only if wanted.
    private mutating func skipString() throws(JSONError) -> String? {
        let open = index
        index += 1
        let start = index
        var nonASCII: UInt8 = 0
        while index < bytes.count {
            let c = bytes[index]
            if c == .quote {
                if nonASCII & 0x80 != 0 { try validateUTF8(start..<index) }
                index += 1
                return nil
            }
            if c == .backslash { return try parseEscapedString(open: open, start: start) }
            if c < 0x20 { throw controlCharacterError(c) }
            nonASCII |= c
            index += 1
        }
        throw error("unterminated string", at: open)
    }

    /// The text of a string without escapes, from its quoted range.
    private func string(_ quoted: Range<Int>) -> String {
        unquotedText(quoted, in: bytes)
    }

    private func controlCharacterError(_ c: UInt8) -> JSONError {
        let hex = String(c, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: 4 - hex.count) + hex
        let hint: String
        switch c {
        case 0x0A: hint = "; write it as \\n"
        case 0x09: hint = "; write it as \\t"
        case 0x0D: hint = "; write it as \\r"
        default: hint = ""
        }
        return error("control character \(code) inside a string\(hint)")
    }

    /// The slow path, taken from the first backslash on: decodes into a scratch buffer.
    private mutating func parseEscapedString(open: Int, start: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        var nonASCII: UInt8 = 0
        while index < bytes.count {
            let c = bytes[index]
            if c == .quote {
                if nonASCII & 0x80 != 0 { try validateUTF8(start..<index) }
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if c < 0x20 { throw controlCharacterError(c) }
            if c != .backslash {
                nonASCII |= c
                scratch.append(c)
                index += 1
                continue
            }
            let escapeStart = index
            index += 1
            guard index < bytes.count else { break }
            switch bytes[index] {
            case .quote: scratch.append(.quote)
            case .backslash: scratch.append(.backslash)
            case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                index += 1
                var scalar = try readHex4(escapeStart)
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    // A high surrogate is only valid followed by a `\u` low surrogate: the pair is one scalar.
                    guard index + 1 < bytes.count, bytes[index] == .backslash, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) (a high surrogate must be followed by a \\u low surrogate)", at: escapeStart)
                    }
                    let lowStart = index
                    index += 2
                    let low = try readHex4(lowStart)
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true)) (a high surrogate must be followed by a \\u low surrogate)", at: escapeStart)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escapeStart)
                }
                appendUTF8(scalar)
                continue
            default:
                throw error("invalid escape '\\\(describeEscape())' in string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at: escapeStart)
            }
            index += 1
        }
        throw error("unterminated string", at: open)
    }

    private func describeEscape() -> String {
        let c = bytes[index]
        if c >= 0x20 && c < 0x7F { return String(Character(Unicode.Scalar(c))) }
        return "\\u{" + String(c, radix: 16) + "}"
    }

    private mutating func readHex4(_ escapeStart: Int) throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\u escape: expected 4 hex digits", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt8
            switch c {
            case .zero ... .nine: digit = c - .zero
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape: expected 4 hex digits", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Strict UTF-8 (no overlong forms, surrogates or scalars past U+10FFFF); escapes are ASCII, so checking
    /// the raw input range is the same as checking the decoded string.
    private func validateUTF8(_ range: Range<Int>) throws(JSONError) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = bytes[i]
            if c < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lowerLimit: UInt8 = 0x80
            var upperLimit: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowerLimit = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upperLimit = 0x9F
            case 0xF0: length = 4; lowerLimit = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upperLimit = 0x8F
            default: throw error("invalid UTF-8 byte 0x\(String(c, radix: 16, uppercase: true)) in string", at: i)
            }
            guard i + length <= end else { throw error("truncated UTF-8 sequence in string", at: i) }
            let second = bytes[i + 1]
            guard second >= lowerLimit && second <= upperLimit else { throw error("invalid UTF-8 sequence in string", at: i) }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xC0 == 0x80 else { throw error("invalid UTF-8 sequence in string", at: i) }
                k += 1
            }
            i += length
        }
    }

    // MARK: Numbers

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The digits as an Int64, or nil when they do not fit (the number is then read as a Double).
    @inline(__always)
    private func integer(digits: Range<Int>, negative: Bool) -> Int64? {
        // Accumulate negatively so Int64.min fits.
        var n: Int64 = 0
        for i in digits {
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(bytes[i] - .zero))
            if o1 || o2 { return nil }
            n = s
        }
        if negative { return n }
        return n != .min ? -n : nil
    }

    private mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = index
        let negative = bytes[index] == .minus
        if negative { index += 1 }
        guard index < bytes.count, bytes[index].isDigit else { throw error("expected a digit after '-'") }
        if bytes[index] == .zero {
            index += 1
            if index < bytes.count && bytes[index].isDigit {
                throw error("leading zeros are not allowed in numbers", at: index - 1)
            }
        } else {
            while index < bytes.count && bytes[index].isDigit { index += 1 }
        }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        var exponent = 0
        var isInteger = true
        if index < bytes.count && bytes[index] == .dot {
            isInteger = false
            index += 1
            fractionStart = index
            guard index < bytes.count, bytes[index].isDigit else { throw error("expected a digit after '.'") }
            while index < bytes.count && bytes[index].isDigit { index += 1 }
            fractionEnd = index
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == .plus || bytes[index] == .minus) {
                exponentNegative = bytes[index] == .minus
                index += 1
            }
            guard index < bytes.count, bytes[index].isDigit else { throw error("expected a digit in the exponent") }
            while index < bytes.count && bytes[index].isDigit {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - .zero) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        let digitsStart = negative ? start + 1 : start

        if isInteger, let n = integer(digits: digitsStart..<integerEnd, negative: negative) { return .int(n) }

        // Clinger's fast path: up to 15 significant digits scaled by an exact power of ten rounds correctly.
        let digitCount = (integerEnd - digitsStart) + (fractionEnd - fractionStart)
        if digitCount <= 15 {
            var mantissa: Int64 = 0
            for i in digitsStart..<integerEnd { mantissa = mantissa * 10 + Int64(bytes[i] - .zero) }
            for i in fractionStart..<fractionEnd { mantissa = mantissa * 10 + Int64(bytes[i] - .zero) }
            let scale = exponent - (fractionEnd - fractionStart)
            if scale >= -22 && scale <= 22 {
                var d = Double(mantissa)
                if scale < 0 { d /= Self.exactPowersOfTen[-scale] } else { d *= Self.exactPowersOfTen[scale] }
                return .double(negative ? -d : d)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw error("number \(text.count > 40 ? String(text.prefix(40)) + "..." : text) is out of range", at: start)
        }
        return .double(d)
    }
}

/// The text between the quotes of a string without escapes.
private func unquotedText(_ quoted: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[(quoted.lowerBound + 1)..<(quoted.upperBound - 1)]), as: UTF8.self)
}

/// The member names of the objects open in `scanCompact`, to refuse a repeated one as `parseValue` does. Names are
/// equal when their Strings are (as in the objects `parseValue` builds). Most are short ASCII without escapes: those
/// are compared by their bytes in place, and an object's first names by a linear search, so no String and no Set
/// is made for the 100,000 small objects of a state file. An object with more names gets a Set, so that a large one
/// costs no more than it does in `parseValue`.
private struct OpenNames {
    private struct Name {
        var quoted: Range<Int>
        var unescaped: String?
        /// No escape and no byte outside ASCII: equal to another such name exactly when the bytes are.
        var isPlainASCII: Bool
    }

    private struct Object {
        var start: Int
        var duplicate: String?
        var set: Set<String>?
    }

    private var names: [Name] = []
    private var objects: [Object] = []
    private static let linearLimit = 16

    private static func text(_ quoted: Range<Int>, unescaped: String?, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        unescaped ?? unquotedText(quoted, in: bytes)
    }

    mutating func open() {
        objects.append(Object(start: names.count))
    }

    /// Ends the innermost object; returns its first repeated name.
    mutating func close() -> String? {
        let object = objects.removeLast()
        names.removeSubrange(object.start...)
        return object.duplicate
    }

    mutating func add(_ key: (quoted: Range<Int>, unescaped: String?), in bytes: UnsafeBufferPointer<UInt8>) {
        let last = objects.count - 1
        guard objects[last].duplicate == nil else { return }
        let start = objects[last].start
        if objects[last].set == nil && names.count - start >= Self.linearLimit {
            // Past the linear search's reach: the names so far go into a Set, and the rest follow them there.
            var set = Set<String>(minimumCapacity: 2 * Self.linearLimit)
            for earlier in names[start...] { set.insert(Self.text(earlier.quoted, unescaped: earlier.unescaped, in: bytes)) }
            names.removeSubrange(start...)
            objects[last].set = set
        }
        if objects[last].set != nil {
            let text = Self.text(key.quoted, unescaped: key.unescaped, in: bytes)
            if objects[last].set?.insert(text).inserted == false { objects[last].duplicate = text }
            return
        }
        let name = Name(quoted: key.quoted, unescaped: key.unescaped,
                        isPlainASCII: key.unescaped == nil && !bytes[key.quoted].contains { $0 >= 0x80 })
        for earlier in names[start...] where Self.same(earlier, name, in: bytes) {
            objects[last].duplicate = Self.text(name.quoted, unescaped: name.unescaped, in: bytes)
            return
        }
        names.append(name)
    }

    private static func same(_ a: Name, _ b: Name, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.isPlainASCII && b.isPlainASCII {
            return a.quoted.count == b.quoted.count && bytes[a.quoted].elementsEqual(bytes[b.quoted])
        }
        return text(a.quoted, unescaped: a.unescaped, in: bytes) == text(b.quoted, unescaped: b.unescaped, in: bytes)
    }
}
