import Diagnostics

/// Gathers diagnostics from every stage, once each: an error in a template expanded 10,000 times is reported once.
final class DiagnosticCollector {
    private(set) var diagnostics: [Diagnostic] = []
    private var seen: Set<Diagnostic> = []
    /// Stop adding past this many errors: the first five hundred say all there is to say.
    let limit = 500

    var hasErrors: Bool { diagnostics.contains { $0.isError } }
    var errorCount: Int { diagnostics.count { $0.isError } }

    func add(_ diagnostic: Diagnostic) {
        guard diagnostics.count < limit, seen.insert(diagnostic).inserted else { return }
        diagnostics.append(diagnostic)
    }

    func error(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
        add(.error(location, message, notes: notes))
    }

    func warning(_ location: SourceLocation?, _ message: String, notes: [String] = []) {
        add(.warning(location, message, notes: notes))
    }
}
