/// A position in a source file: 1-based line and column, columns counted in characters.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The same line, `offset` characters further right (used for positions inside a scalar).
    public func advanced(byColumns offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }

    /// A place that is not a line of a file (`--var NAME`, an environment variable): a name at line 0, shown by
    /// the name alone, as in `--var shards: error: ...`.
    public static func named(_ name: String) -> SourceLocation {
        SourceLocation(file: name, line: 0, column: 0)
    }

    /// True for a place made by `named`.
    public var isNamedPlace: Bool { line == 0 && column == 0 && !file.isEmpty }

    public var description: String { isNamedPlace ? file : "\(file):\(line):\(column)" }

    /// The line and column of a byte offset in UTF-8 text, counted as here: a line ends at `\n`, and a character
    /// is one column however many bytes it takes. For readers that report only offsets, and only on errors.
    public static func lineAndColumn(ofByte offset: Int, in text: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var i = 0
        let end = min(offset, text.count)
        while i < end {
            let byte = text[i]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        if a.file != b.file { return a.file < b.file }
        if a.line != b.line { return a.line < b.line }
        return a.column < b.column
    }
}
