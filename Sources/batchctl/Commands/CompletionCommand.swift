import ArgumentParser

/// `batchctl completion bash|zsh|fish`: the shell completion script, with task addresses completed from the
/// manifests.
struct CompletionCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print a shell completion script for bash, zsh or fish.",
        discussion: """
            bash: batchctl completion bash > ~/.local/share/bash-completion/completions/batchctl
            zsh:  batchctl completion zsh > "${fpath[1]}/_batchctl"
            fish: batchctl completion fish > ~/.config/fish/completions/batchctl.fish
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable { case bash, zsh, fish }

    @Argument(help: "bash, zsh or fish.")
    var shell: Shell

    func execute() async throws {
        guard let kind = CompletionShell(rawValue: shell.rawValue) else {
            throw CommandFailure("no completion script for \(shell.rawValue)")
        }
        let script = Batchctl.completionScript(for: kind)
        Terminal.out(script.hasSuffix("\n") ? script : script + "\n")
    }
}
