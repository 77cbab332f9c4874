import Logging

/// The sign-in's log on standard error: its news as `note: ...` lines, and with BATCHCTL_LOG=debug its timings.
struct NoteLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.err("\(event.level <= .debug ? "debug" : "note"): \(TerminalText.escape("\(event.message)"))\n")
    }
}
