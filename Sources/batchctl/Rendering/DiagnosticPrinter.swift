import Diagnostics

/// How diagnostics are shown besides the compiler-style lines on standard error.
enum DiagnosticFormat {
    case text
    /// Also as GitHub Actions workflow commands on standard output, which the runner turns into annotations.
    case github
}

/// Prints diagnostics to standard error the way compilers do, in colour on a terminal.
enum DiagnosticPrinter {
    static func print(_ diagnostics: [Diagnostic], format: DiagnosticFormat = .text) {
        guard !diagnostics.isEmpty else { return }
        if format == .github { Terminal.out(GitHubRendering.diagnostics(diagnostics)) }
        let style = Style(enabled: Terminal.usesColor(2))
        var text = ""
        for d in diagnostics {
            if let location = d.location { text += style.bold("\(location): ") }
            text += d.isError ? style.red(style.bold("error: ")) : style.yellow(style.bold("warning: "))
            text += TerminalText.escapeLines(d.message) + "\n"
            for note in d.notes { text += "    " + style.dim("note: ") + TerminalText.escapeLines(note) + "\n" }
        }
        let errors = diagnostics.count { $0.isError }
        let warnings = diagnostics.count - errors
        if errors > 0 {
            text += "\(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")\n"
        }
        Terminal.err(text)
    }

    /// One `error: message` line (and a `hint:` line), for failures that are not about a position in a manifest.
    static func printError(_ message: String, hint: String? = nil, format: DiagnosticFormat = .text) {
        if format == .github {
            Terminal.out(GitHubRendering.command(.error, [], message + (hint.map { "\nhint: " + $0 } ?? "")))
        }
        let style = Style(enabled: Terminal.usesColor(2))
        var text = style.red(style.bold("error: ")) + TerminalText.escapeLines(message) + "\n"
        if let hint { text += "    " + style.dim("hint: ") + TerminalText.escapeLines(hint) + "\n" }
        Terminal.err(text)
    }
}
