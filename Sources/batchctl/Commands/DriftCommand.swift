import ArgumentParser
import BatchTask
import JSON
import Manifest
import Planning
import Reconcile

/// `batchctl drift`: what differs on the server from what was applied, and what is missing.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Read every managed task from the API and report what differs from what was applied (exit 2 if anything does).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: ManifestInput
    @OptionGroup var endpoint: EndpointOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var format: Format = .text

    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the project's parallelism, else 10).")
    var parallelismFlag: Int?

    func run() async throws {
        var drifted = false
        do {
            let project = try global.enterProject()
            // The manifests say which fields lifecycle.ignoreChanges leaves alone.
            let result = try input.expand(project: project)
            var ignored: [String: Set<BatchTaskField>] = [:]
            for task in result.tasks where !task.lifecycle.ignoreChanges.isEmpty { ignored[task.address] = task.lifecycle.ignoreChanges }
            let name = try endpoint.requireEndpoint(project: project)
            let session = try StateSession.read(backend: endpoint.backend(project: project), endpoint: name)
            let parallelism = parallelismFlag ?? project.parallelism ?? 10
            let live = try await endpoint.withConnection(project: project, parallelism: parallelism) { connection in
                try await Refresh.live(for: session.state, client: connection.client, concurrency: parallelism)
            }
            var items: [DriftItem] = []
            for (address, entry) in session.state.tasks.sorted(by: { $0.key < $1.key }) {
                if let current = live[entry.id] {
                    let changes = Drift.changes(entry: entry, live: current, ignoring: ignored[address] ?? [])
                    if !changes.isEmpty { items.append(DriftItem(address: address, id: entry.id, kind: .modified, changes: changes)) }
                } else {
                    items.append(DriftItem(address: address, id: entry.id, kind: .missing, changes: []))
                }
            }
            drifted = !items.isEmpty
            let managed = session.state.tasks.count
            switch format {
            case .json:
                let document: JSONValue = .object([
                    "formatVersion": 1, "managed": .int(Int64(managed)),
                    "drift": PlanDocument.json(Plan(actions: [], orphans: [], drift: items, stateLineage: nil, stateSerial: nil,
                                                    endpoint: name, refreshed: true))["drift"] ?? .array([]),
                ])
                Terminal.write(document.serializedBytes(pretty: true) + [10], to: 1)
            case .text:
                let style = Style(enabled: Terminal.usesColor(1))
                if items.isEmpty {
                    Terminal.out("No drift: the \(managed) managed task\(managed == 1 ? "" : "s") match what was applied.\n")
                } else {
                    let missing = items.count { $0.kind == .missing }
                    Terminal.out(DriftRendering.text(items, style: style) + "\n"
                        + style.bold("Drift: \(items.count - missing) modified, \(missing) missing, of \(managed) managed tasks.") + "\n")
                }
            }
        } catch {
            throw reported(error)
        }
        if drifted { throw ExitCode(2) }
    }
}
