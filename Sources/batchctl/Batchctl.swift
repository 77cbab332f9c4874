import ArgumentParser

@main
struct Batchctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchctl",
        abstract: "Declarative batch jobs for the SuperOffice Web API: manifests in git, planned and applied.",
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, RenderCommand.self, ExplainCommand.self, PlanCommand.self, ApplyCommand.self,
            DriftCommand.self, StatusCommand.self, ImportCommand.self, StateCommand.self, DestroyCommand.self,
            ServeCommand.self,
        ])

    // Declared here too so that `batchctl -C DIR validate` parses; the subcommand's own copy does the work.
    @OptionGroup var global: GlobalOptions
}
