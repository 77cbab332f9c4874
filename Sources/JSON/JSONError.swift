/// Why JSON text could not be parsed, and where: `line 3, column 7: expected ',' or '}'`.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based byte offset into the input.
    public var offset: Int
    /// 1-based; lines end at `\n`.
    public var line: Int
    /// 1-based, counted in Unicode scalars (not bytes), so it matches what an editor shows for most text.
    public var column: Int
    public var message: String

    public init(offset: Int, line: Int, column: Int, message: String) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSONError {
    /// Line and column are computed only when an error happens, so the parser's hot loop never tracks them.
    init(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ message: String) {
        var line = 1
        var column = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        self.init(offset: offset, line: line, column: column, message: message)
    }
}
