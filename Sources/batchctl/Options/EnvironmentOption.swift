import ArgumentParser

/// `--env`: which of the project's environments a command works in, for every command that reads manifests or
/// the state.
struct EnvironmentOption: ParsableArguments {
    @Option(name: .customLong("env"), help: ArgumentHelp(
        "One of the project's environments: its var files, vars, endpoint and parallelism, and its own state (env BATCHCTL_ENV).",
        valueName: "NAME"))
    var name: String?
}
