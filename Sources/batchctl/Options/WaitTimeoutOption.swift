import ArgumentParser
import Schedule

/// `--wait-timeout`: how long a command follows one job before it gives up on it.
struct WaitTimeoutOption: ParsableArguments {
    @Option(name: .customLong("wait-timeout"), help: ArgumentHelp(
        "Give up on a job still unfinished this long after it was submitted (90s, 30m, 1h30m; default 1h): it is reported with its State, and the command exits 1. A server may leave a job no handler knows New for ever.",
        valueName: "DURATION"))
    var text: String?

    static let standard: Duration = .seconds(3600)

    func validate() throws {
        if let text, Self.parse(text) == nil {
            let why = DurationText.problem(text) ?? "it must be at least 1s"
            throw ValidationError("--wait-timeout: \(why)")
        }
    }

    var duration: Duration { text.flatMap(Self.parse) ?? Self.standard }

    private static func parse(_ text: String) -> Duration? {
        DurationText.flag(text, within: 1...DurationText.maximum)
    }
}
