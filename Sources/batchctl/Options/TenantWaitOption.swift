import ArgumentParser
import Schedule

/// `--wait-for-tenant`: how long a run that writes waits for a SuperOffice Online tenant in maintenance.
struct TenantWaitOption: ParsableArguments {
    @Option(name: .customLong("wait-for-tenant"), help: ArgumentHelp(
        "SuperOffice Online: when the tenant is in maintenance, backup or offline, wait this long for it (30s, 10m, 1h; default: do not wait).",
        valueName: "DURATION"))
    var wait: String?

    func validate() throws {
        if let wait, Self.duration(wait) == nil {
            throw ValidationError("--wait-for-tenant must be a duration such as 90s, 10m or 1h, not '\(wait)'")
        }
    }

    var duration: Duration { wait.flatMap(Self.duration) ?? .zero }

    /// `90`, `90s`, `10m`, `1h30m`: up to a day.
    static func duration(_ text: String) -> Duration? {
        DurationText.flag(text, within: 0...86_400)
    }
}
