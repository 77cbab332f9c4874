import ArgumentParser
import BatchTask
import Diagnostics
import JSON
import Manifest
import Planning
import Reconcile
import State

/// `batchctl import ADDR ID`: adopt a task that already exists on the server.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Adopt an existing task into the state at an address the manifests define.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: ManifestInput
    @OptionGroup var endpoint: EndpointOptions

    @Argument(help: "The address in the manifests, <set>/<key>.")
    var address: String

    @Argument(help: "The task's id on the server.")
    var id: Int32

    func run() async throws {
        do {
            let project = try global.enterProject()
            let result = try input.expand(project: project)
            guard let task = result.tasks.first(where: { $0.address == address }) else {
                throw CommandFailure("no task in the manifests has the address \(address)\(Suggestion.hint(for: address, in: result.tasks.map(\.address))); import needs the task defined first")
            }
            let name = try endpoint.requireEndpoint(project: project)
            try await endpoint.withConnection(project: project, parallelism: 1) { connection in
                let session = try await StateSession.write(
                    backend: endpoint.backend(project: project), endpoint: name, operation: "import",
                    wait: endpoint.lockWait, client: connection.client, desired: [address: task])
                defer { session.release() }
                if let existing = session.state.tasks[address] {
                    throw CommandFailure("\(address) is already in the state as task \(existing.id); `batchctl state rm \(address)` first to import another")
                }
                if let owner = session.state.tasks.first(where: { $0.value.id == id }) {
                    throw CommandFailure("task \(id) is already managed as \(owner.key)")
                }
                guard let live = try await connection.client.get(id) else {
                    throw CommandFailure("the API has no task \(id)")
                }
                // What the state records is what the server holds for the fields the manifest manages, so the next
                // plan shows exactly what differs from the manifest.
                var applied = JSONValue.Object()
                for field in task.info.presentFields {
                    guard let value = live[field] else { continue }
                    applied[field.rawValue] = task.redactions[field] != nil ? Fingerprint.sensitiveMarker(for: value) : value
                }
                let entry = StateEntry(id: id, fingerprint: Fingerprint.of(.object(applied)), applied: .object(applied),
                                       appliedAt: Timestamp.now(), source: task.source.description)
                let recorder = StateRecorder(state: session.state, backend: session.backend, journal: try session.backend.openJournal())
                let sequence = try await recorder.intent(.import, address: address, id: id, fingerprint: nil)
                try await recorder.outcome(sequence, address: address, .created(entry))
                _ = try await recorder.finish()
                Terminal.out("Imported task \(id) as \(address). Run `batchctl plan` to see how it differs from the manifest.\n")
            }
        } catch {
            throw reported(error)
        }
    }
}
