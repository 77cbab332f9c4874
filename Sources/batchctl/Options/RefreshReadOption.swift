import ArgumentParser
import Reconcile

extension RefreshRead: ExpressibleByArgument {}

/// `--refresh-read`: how a refresh reads the managed tasks, for every command that refreshes.
struct RefreshReadOption: ParsableArguments {
    @Option(name: .customLong("refresh-read"), help: ArgumentHelp(
        "How the refresh reads the managed tasks: id (one GET per task), list (one GET /BatchTask/All, then by id what it does not hold), or auto (list from \(Refresh.listThreshold) managed user tasks).",
        valueName: "auto|list|id"))
    var value: RefreshRead = .auto
}
