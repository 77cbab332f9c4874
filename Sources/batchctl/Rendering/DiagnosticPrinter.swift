import Diagnostics

/// How diagnostics are shown besides the compiler-style lines on standard error.
enum DiagnosticFormat {
    case text
    /// Also as GitHub Actions workflow commands on standard output, which the runner turns into annotations.
    case github
}

/// Prints diagnostics to standard error the way compilers do, in colour on a terminal.
///
/// Every message, note and hint is one line, whatever produced it: a line break in it (CR, LF, NEL, U+2028,
/// U+2029) and every other control character is written as an escape (`TerminalText.escape`). A key, a file name or
/// a server's words can then never start a line of their own, which a CI runner would read as a command (GitHub's
/// `::add-mask::`, `::error::`).
enum DiagnosticPrinter {
    static func print(_ diagnostics: [Diagnostic], format: DiagnosticFormat = .text) {
        guard !diagnostics.isEmpty else { return }
        if format == .github { Terminal.out(GitHubRendering.diagnostics(diagnostics)) }
        let style = Style(enabled: Terminal.usesColor(2))
        var text = ""
        for d in diagnostics {
            if let location = d.location { text += style.bold(lineStart(location) + ": ") }
            text += d.isError ? style.red(style.bold("error: ")) : style.yellow(style.bold("warning: "))
            text += TerminalText.escape(d.message) + "\n"
            for note in d.notes { text += "    " + style.dim("note: ") + TerminalText.escape(note) + "\n" }
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
        var text = style.red(style.bold("error: ")) + TerminalText.escape(message) + "\n"
        if let hint { text += "    " + style.dim("hint: ") + TerminalText.escape(hint) + "\n" }
        Terminal.err(text)
    }

    /// A `note:` or `warning:` line about the run rather than the manifests.
    static func printNotice(_ severity: String, _ message: String) {
        Terminal.err(severity + ": " + TerminalText.escape(message) + "\n")
    }

    /// A location as the start of a line: escaped, and a relative file name that begins with `:` or a space (which a
    /// CI runner could take for a command) shown as `./` and the name.
    static func lineStart(_ location: SourceLocation) -> String {
        let text = TerminalText.escape(location.description)
        guard let first = text.unicodeScalars.first, first == ":" || first == " " else { return text }
        return "./" + text
    }
}
