import OrderedCollections

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends JSON as UTF-8 bytes, whole values or a container element by element, so big outputs are never built twice.
public struct JSONWriter: Sendable {
    // Streaming a top-level array:
    //     var w = JSONWriter(pretty: true)
    //     w.beginArray()
    //     for task in tasks { task.write(to: &w) }   // or w.write(value)
    //     w.endArray()

    /// The output so far; may be flushed and emptied at any point (`bytes.removeAll(keepingCapacity: true)`),
    /// the nesting state lives elsewhere. Values written at the top level are separated by a newline (JSON Lines).
    public var bytes: [UInt8] = []
    /// Two-space indentation, `"key": value`, empty containers as `[]` and `{}`.
    public private(set) var pretty: Bool
    /// Applies to objects passed to `write(_:)`; keys given to `writeKey(_:)` are written in call order.
    public let sortedKeys: Bool

    private struct Container: Sendable {
        var isObject: Bool
        var count: Int
    }

    private var open: [Container] = []
    private var afterKey = false
    private var topLevelCount = 0

    public init(pretty: Bool = false, sortedKeys: Bool = false) {
        self.pretty = pretty
        self.sortedKeys = sortedKeys
    }

    /// How many containers begun with `beginArray()` / `beginObject()` are still open.
    public var depth: Int { open.count }

    /// The bytes as a String (they are always valid UTF-8).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Streaming

    /// Writes a whole value at the current position: as an array element, an object member's value (after
    /// `writeKey`), or a top-level value.
    public mutating func write(_ value: JSONValue) {
        beforeValue()
        emit(value, level: open.count)
    }

    public mutating func writeString(_ string: String) {
        beforeValue()
        appendQuoted(string)
    }

    public mutating func writeInt(_ number: Int64) {
        beforeValue()
        appendInt(number)
    }

    public mutating func writeBool(_ flag: Bool) {
        beforeValue()
        appendBool(flag)
    }

    public mutating func writeNull() {
        beforeValue()
        appendLiteral("null")
    }

    /// Writes a value on one line, even in a pretty writer: objects that are read as a whole (a state entry's
    /// fields) stay one line in a file that is otherwise one member per line.
    public mutating func writeInline(_ value: JSONValue) {
        beforeValue()
        let wasPretty = pretty
        pretty = false
        emit(value, level: open.count)
        pretty = wasPretty
    }

    /// Writes compact JSON text (no whitespace between tokens, as `JSONValue.parse(_:capturing:atDepth:)` gives
    /// it) as a value, as it is: on one line, keys in the text's order.
    public mutating func writeCompact(_ text: [UInt8]) {
        beforeValue()
        bytes.append(contentsOf: text)
    }

    /// Starts a member of the innermost open object; its value comes from the next write or begin call.
    public mutating func writeKey(_ key: String) {
        startMember()
        appendQuoted(key)
        endKey()
    }

    /// `writeKey` for a key that is already JSON text, quotes included (`"Name"`), as tables of fixed keys keep it.
    public mutating func writeKey(quoted key: [UInt8]) {
        startMember()
        bytes.append(contentsOf: key)
        endKey()
    }

    private mutating func startMember() {
        assert(open.last?.isObject == true && !afterKey, "writeKey outside an object or twice in a row")
        if let last = open.indices.last {
            if open[last].count > 0 { bytes.append(UInt8(ascii: ",")) }
            open[last].count += 1
        }
        if pretty { newline(level: open.count) }
    }

    private mutating func endKey() {
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(0x20) }
        afterKey = true
    }

    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        open.append(Container(isObject: false, count: 0))
    }

    public mutating func endArray() {
        assert(open.last?.isObject == false, "endArray without a matching beginArray")
        close(UInt8(ascii: "]"))
    }

    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        open.append(Container(isObject: true, count: 0))
    }

    public mutating func endObject() {
        assert(open.last?.isObject == true && !afterKey, "endObject without a matching beginObject, or after a key")
        close(UInt8(ascii: "}"))
    }

    private mutating func close(_ bracket: UInt8) {
        guard let container = open.popLast() else { return }
        if pretty && container.count > 0 { newline(level: open.count) }
        bytes.append(bracket)
    }

    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard let last = open.indices.last else {
            if topLevelCount > 0 { bytes.append(0x0A) }
            topLevelCount += 1
            return
        }
        assert(!open[last].isObject, "a value inside an object needs writeKey first")
        if open[last].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[last].count += 1
        if pretty { newline(level: open.count) }
    }

    // MARK: Whole values

    private mutating func emit(_ value: JSONValue, level: Int) {
        switch value {
        case .null: appendLiteral("null")
        case .bool(let b): appendBool(b)
        case .int(let n): appendInt(n)
        case .double(let d): appendDouble(d)
        case .string(let s): appendQuoted(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            if !elements.isEmpty {
                var first = true
                for element in elements {
                    if !first { bytes.append(UInt8(ascii: ",")) }
                    first = false
                    if pretty { newline(level: level + 1) }
                    emit(element, level: level + 1)
                }
                if pretty { newline(level: level) }
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            if !members.isEmpty {
                if sortedKeys && !Self.inUTF8Order(members.keys) {
                    let sorted = members.elements.sorted { utf8Precedes($0.key, $1.key) }
                    var first = true
                    for (key, member) in sorted {
                        emitMember(key, member, level: level, first: first)
                        first = false
                    }
                } else {
                    var first = true
                    for (key, member) in members {
                        emitMember(key, member, level: level, first: first)
                        first = false
                    }
                }
                if pretty { newline(level: level) }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Objects built in key order (state entries, canonical forms) need no sorted copy.
    private static func inUTF8Order(_ keys: OrderedSet<String>) -> Bool {
        var previous: String?
        for key in keys {
            if let previous, !utf8Precedes(previous, key) { return false }
            previous = key
        }
        return true
    }

    private mutating func emitMember(_ key: String, _ value: JSONValue, level: Int, first: Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        if pretty { newline(level: level + 1) }
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(0x20) }
        emit(value, level: level + 1)
    }

    // MARK: Scalars

    /// A newline and indentation, appended in one piece for the depths that occur in practice.
    private static let newlineAndSpaces: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 128)

    private mutating func newline(level: Int) {
        var remaining = 2 * level
        let first = min(remaining, Self.newlineAndSpaces.count - 1)
        Self.newlineAndSpaces.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0...first])) }
        remaining -= first
        while remaining > 0 {
            bytes.append(0x20)
            remaining -= 1
        }
    }

    private mutating func appendLiteral(_ word: StaticString) {
        word.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendBool(_ flag: Bool) {
        appendLiteral(flag ? "true" : "false")
    }

    private mutating func appendInt(_ number: Int64) {
        if number >= 0 && number < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        // Digits come out least significant first: write them, then reverse that stretch in place.
        let start = bytes.count
        var rest = number.magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    /// Shortest round-trip text; integral values keep a ".0" (or an exponent) so they read back as doubles.
    /// JSON has no NaN or infinity: they are written as null.
    private mutating func appendDouble(_ d: Double) {
        guard d.isFinite else {
            appendLiteral("null")
            return
        }
        bytes.append(contentsOf: d.description.utf8)
    }

    private mutating func appendQuoted(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { appendQuoted(utf8: $0) }
        if done == nil {
            Array(string.utf8).withUnsafeBufferPointer { appendQuoted(utf8: $0) }
        }
    }

    private mutating func appendQuoted(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let count = utf8.count
        while i < count {
            let c = utf8[i]
            // Only `"`, `\` and C0 controls need escaping; everything else (including non-ASCII) is copied in runs.
            if c >= 0x20 && c != 0x22 && c != 0x5C {
                i += 1
                continue
            }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            bytes.append(UInt8(ascii: "\\"))
            switch c {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                let low = c & 0xF
                bytes.append(UInt8(ascii: "u"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "0") + (c >> 4))
                bytes.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            }
            i += 1
            runStart = i
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// JSON text: compact by default; `pretty` indents by two spaces; `sortedKeys` orders members by UTF-8 bytes.
    public func serialized(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty, sortedKeys: sortedKeys)
        writer.write(self)
        return writer.text
    }

    /// Compact or pretty JSON as UTF-8 bytes, for writing to files and request bodies without a String in between.
    public func serializedBytes(pretty: Bool = false, sortedKeys: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty, sortedKeys: sortedKeys)
        writer.write(self)
        return writer.bytes
    }
}

/// UTF-8 byte order through memcmp, the order `sortedKeys` writes: the generic `utf8.lexicographicallyPrecedes`
/// made up most of the time of sorting 100,000 addresses that share long prefixes.
public func utf8Precedes(_ a: String, _ b: String) -> Bool {
    let fast = a.utf8.withContiguousStorageIfAvailable { x in
        b.utf8.withContiguousStorageIfAvailable { y -> Bool in
            guard let p = x.baseAddress, let q = y.baseAddress else { return x.count < y.count }
            let order = memcmp(p, q, min(x.count, y.count))
            return order != 0 ? order < 0 : x.count < y.count
        }
    }
    if let fast, let result = fast { return result }
    return a.utf8.lexicographicallyPrecedes(b.utf8)
}
