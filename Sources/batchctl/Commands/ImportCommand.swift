import ArgumentParser
import Diagnostics
import Reconcile
import Session
import State

/// `batchctl import ADDR ID`: adopt a task that already exists on the server.
struct ImportCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Adopt an existing task into the state at an address the manifests define.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions

    @Argument(help: "The address in the manifests, <set>/<key>.", completion: AddressCompletion.kind)
    var address: String

    @Argument(help: "The task's id on the server.")
    var id: Int32

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project)
        guard let task = result.tasks.first(where: { $0.address == address }) else {
            throw CommandFailure("no task in the manifests has the address \(address)\(Suggestion.hint(for: address, in: result.tasks.map(\.address))); import needs the task defined first")
        }
        let session = try endpoint.open(project, state: stateOptions, parallelism: 1)
        try await session.write("import", sets: [StateAddress.setName(of: address)], desired: [address: task]) { run, connection in
            _ = try await run.importTask(task, id: id, client: connection.client)
        }
        Terminal.out("Imported task \(id) as \(address). Run `batchctl plan` to see how it differs from the manifest.\n")
    }
}
