/// A message about the user's input, with the position it is about.
///
/// Rendered the way compilers do: `file:line:col: error: message`, so editors and CI annotate the line.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation?
    public var message: String
    /// Extra lines printed under the message (`note: ...`), such as the other place of a duplicate.
    public var notes: [String]

    public init(_ severity: Severity = .error, at location: SourceLocation?, _ message: String, notes: [String] = []) {
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    public static func error(_ location: SourceLocation?, _ message: String, notes: [String] = []) -> Diagnostic {
        Diagnostic(.error, at: location, message, notes: notes)
    }

    public static func warning(_ location: SourceLocation?, _ message: String, notes: [String] = []) -> Diagnostic {
        Diagnostic(.warning, at: location, message, notes: notes)
    }

    public var isError: Bool { severity == .error }

    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += "\(severity.rawValue): \(message)"
        for note in notes { text += "\n    note: \(note)" }
        return text
    }
}

/// Several diagnostics thrown together, for when a stage reports every problem it found rather than the first.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension Array where Element == Diagnostic {
    /// Errors and warnings in reading order: by file, line and column; position-less ones first.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    public var hasErrors: Bool { contains { $0.isError } }
}
