/// The YAML 1.2 core schema, matched by hand on UTF-8 bytes because it runs once per scalar of the file.
enum CoreSchema {
    static let strTag = "tag:yaml.org,2002:str"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let nullTag = "tag:yaml.org,2002:null"

    /// The value of an untagged plain scalar.
    static func resolvePlain(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> Scalar.Resolved {
        guard let first = bytes.first else { return .null }
        switch first {
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "~"):
            if isNull(bytes) { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            if let value = bool(bytes) { return .bool(value) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            if let value = number(bytes, text: text) { return value }
        default:
            break
        }
        return .string
    }

    /// The value under an explicit tag; nil when the text is not valid for a core tag it claims.
    /// Tags outside the core schema (`!`, `!foo`, `!!binary`) keep the text as a string.
    static func resolveTagged(_ tag: String, _ bytes: UnsafeBufferPointer<UInt8>, text: String) -> Scalar.Resolved? {
        switch tag {
        case intTag:
            guard case .int(let value)? = number(bytes, text: text) else { return nil }
            return .int(value)
        case floatTag:
            switch number(bytes, text: text) {
            case .int(let value)?: return .float(Double(value))
            case .float(let value)?: return .float(value)
            default: return nil
            }
        case boolTag:
            return bool(bytes).map(Scalar.Resolved.bool)
        case nullTag:
            return isNull(bytes) ? .null : nil
        default:
            return .string
        }
    }

    /// What a core tag accepts, for the error when a value does not match it.
    static func expectation(for tag: String) -> String {
        switch tag {
        case intTag: return "!!int expects a decimal, 0o octal or 0x hexadecimal integer that fits in 64 bits"
        case floatTag: return "!!float expects a number such as 1.5, -2e3, .inf or .nan"
        case boolTag: return "!!bool expects true or false"
        case nullTag: return "!!null expects null, ~ or nothing"
        default: return "unexpected value for \(tag)"
        }
    }

    static func isNull(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch b.count {
        case 0: return true
        case 1: return b[0] == UInt8(ascii: "~")
        case 4: return matches(b, "null") || matches(b, "Null") || matches(b, "NULL")
        default: return false
        }
    }

    static func bool(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch b.count {
        case 4: return matches(b, "true") || matches(b, "True") || matches(b, "TRUE") ? true : nil
        case 5: return matches(b, "false") || matches(b, "False") || matches(b, "FALSE") ? false : nil
        default: return nil
        }
    }

    /// An int or float when the bytes match the core patterns; an integer too large for Int64 becomes a float.
    static func number(_ b: UnsafeBufferPointer<UInt8>, text: String) -> Scalar.Resolved? {
        let n = b.count
        guard n > 0 else { return nil }
        if n > 2, b[0] == UInt8(ascii: "0") {
            if b[1] == UInt8(ascii: "o") { return radixInteger(b, radix: 8) }
            if b[1] == UInt8(ascii: "x") { return radixInteger(b, radix: 16) }
        }
        var i = 0
        let negative = b[0] == UInt8(ascii: "-")
        if negative || b[0] == UInt8(ascii: "+") { i = 1 }
        let digitsStart = i
        // Accumulate negatively so Int64.min parses without overflow.
        var accumulator: Int64 = 0
        var overflow = false
        while i < n, let digit = decimalDigit(b[i]) {
            if !overflow {
                let (times, o1) = accumulator.multipliedReportingOverflow(by: 10)
                let (minus, o2) = times.subtractingReportingOverflow(Int64(digit))
                if o1 || o2 { overflow = true } else { accumulator = minus }
            }
            i += 1
        }
        let integerDigits = i - digitsStart
        if i == n {
            guard integerDigits > 0 else { return nil }
            if overflow { return Double(text).map(Scalar.Resolved.float) }
            if negative { return .int(accumulator) }
            let (positive, o) = Int64(0).subtractingReportingOverflow(accumulator)
            return o ? Double(text).map(Scalar.Resolved.float) : .int(positive)
        }
        // From here on it can only be a float.
        if b[i] == UInt8(ascii: ".") {
            if integerDigits == 0, let special = infinity(b, from: i + 1, negative: negative) { return special }
            if integerDigits == 0, i == 0, isNaN(b) { return .float(.nan) }
            i += 1
            let fractionStart = i
            while i < n, decimalDigit(b[i]) != nil { i += 1 }
            if integerDigits == 0 && i == fractionStart { return nil }
        } else if integerDigits == 0 {
            return nil
        }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let exponentStart = i
            while i < n, decimalDigit(b[i]) != nil { i += 1 }
            if i == exponentStart { return nil }
        }
        guard i == n else { return nil }
        return Double(text).map(Scalar.Resolved.float)
    }

    private static func radixInteger(_ b: UnsafeBufferPointer<UInt8>, radix: Int) -> Scalar.Resolved? {
        var value: Int64 = 0
        var wide: Double = 0
        var overflow = false
        for i in 2..<b.count {
            let c = b[i]
            let digit: Int
            if let d = decimalDigit(c) {
                digit = d
            } else if radix == 16, c >= UInt8(ascii: "a"), c <= UInt8(ascii: "f") {
                digit = Int(c - UInt8(ascii: "a")) + 10
            } else if radix == 16, c >= UInt8(ascii: "A"), c <= UInt8(ascii: "F") {
                digit = Int(c - UInt8(ascii: "A")) + 10
            } else {
                return nil
            }
            guard digit < radix else { return nil }
            wide = wide * Double(radix) + Double(digit)
            if !overflow {
                let (times, o1) = value.multipliedReportingOverflow(by: Int64(radix))
                let (plus, o2) = times.addingReportingOverflow(Int64(digit))
                if o1 || o2 { overflow = true } else { value = plus }
            }
        }
        return overflow ? .float(wide) : .int(value)
    }

    private static func infinity(_ b: UnsafeBufferPointer<UInt8>, from start: Int, negative: Bool) -> Scalar.Resolved? {
        guard b.count - start == 3 else { return nil }
        let rest = UnsafeBufferPointer(rebasing: b[start...])
        guard matches(rest, "inf") || matches(rest, "Inf") || matches(rest, "INF") else { return nil }
        return .float(negative ? -.infinity : .infinity)
    }

    private static func isNaN(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count == 4 && (matches(b, ".nan") || matches(b, ".NaN") || matches(b, ".NAN"))
    }

    @inline(__always)
    private static func decimalDigit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c &- UInt8(ascii: "0")) : nil
    }

    /// Compares against an ASCII literal without building a String.
    @inline(__always)
    private static func matches(_ b: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard b.count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for i in 0..<b.count where b[i] != l[i] { return false }
        return true
    }
}
