import Diagnostics

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
        let (line, column) = SourceLocation.lineAndColumn(ofByte: offset, in: bytes)
        self.init(offset: offset, line: line, column: column, message: message)
    }
}
