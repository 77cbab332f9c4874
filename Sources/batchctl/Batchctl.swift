import ArgumentParser
import Foundation

@main
struct Batchctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchctl",
        abstract: "Declarative batch jobs for the SuperOffice Web API: manifests in git, planned and applied.",
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, RenderCommand.self, ExplainCommand.self, PlanCommand.self, ApplyCommand.self,
            RunCommand.self, ScheduleCommand.self, DriftCommand.self, StatusCommand.self, ImportCommand.self, GenerateCommand.self, StateCommand.self, DestroyCommand.self,
            ControllerCommand.self,
            ServeCommand.self, SchemaCommand.self, GraphCommand.self, CompletionCommand.self,
        ])

    // Declared here too so that `batchctl -C DIR validate` parses; the subcommand's own copy does the work.
    @OptionGroup var global: GlobalOptions

    /// ArgumentParser's `main`, with one change: a usage error exits 1, not 64, since cli.md's exit codes are 0, 1
    /// and 2 (2 meaning "changes" or "drift", which a usage error is not).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}
