import ArgumentParser
import BatchTask
import Foundation
import JSON
import Manifest
import Planning
import Reconcile
import State

/// `batchctl plan`: compare manifests, state and (by default) the live API; print what apply would do.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change: creates, updates, replaces, deletes and moves.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: ManifestInput
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var planning: PlanningOptions

    @Option(name: .customLong("out"), help: ArgumentHelp("Save the plan for `batchctl apply FILE`.", valueName: "FILE"))
    var out: String?

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 for no changes, 2 when there are changes, 1 on errors.")
    var detailedExitCode = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var format: Format = .text

    func run() async throws {
        do {
            let project = try global.enterProject()
            let name = try endpoint.requireEndpoint(project: project)
            // The state is read while the manifests expand: both take a while at 100,000 tasks.
            let backend = endpoint.backend(project: project)
            let reading = Task.detached { try StateSession.read(backend: backend, endpoint: name) }
            let result: ExpansionResult
            do {
                result = try input.expand(project: project)
            } catch {
                _ = try? await reading.value
                throw error
            }
            let session = try await reading.value
            var live: [Int32: BatchTaskInfo]?
            if planning.refresh {
                let parallelism = planning.parallelism(project)
                live = try await endpoint.withConnection(project: project, parallelism: parallelism) { connection in
                    try await Refresh.live(for: session.state, client: connection.client, concurrency: parallelism)
                }
            }
            var plan = try planning.plan(result, state: session.planningState, live: live, selection: selection, endpoint: name)
            if let out {
                plan.manifestDigest = Planner.digest(result.tasks)
                let bytes = PlanDocument.json(plan, saved: true).serializedBytes(pretty: true) + [10]
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                    throw CommandFailure("cannot write the plan to \(out)")
                }
            }
            switch format {
            case .json:
                Terminal.write(PlanDocument.json(plan).serializedBytes(pretty: true) + [10], to: 1)
            case .text:
                var output = BufferedOutput()
                output.append(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1))))
                if let out { output.append("Saved the plan to \(out); apply it with: batchctl apply \(out)\n") }
                output.flush()
            }
            exitAfterOutput(detailedExitCode && plan.hasChanges ? 2 : 0)
        } catch {
            throw reported(error)
        }
    }
}

/// Flags that shape a plan, shared by plan and apply.
struct PlanningOptions: ParsableArguments {
    @Option(name: .customLong("refresh"), help: ArgumentHelp("Read the live tasks from the API before planning.", valueName: "true|false"))
    var refresh = true

    @Flag(name: .customLong("prune"), help: "Delete managed tasks that left the manifests.")
    var prune = false

    @Flag(name: .customLong("allow-mass-delete"), help: "Allow a plan that deletes more than half of the managed tasks.")
    var allowMassDelete = false

    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the project's parallelism, else 10).")
    var parallelismFlag: Int?

    func validate() throws {
        if let parallelismFlag, !(1...1024).contains(parallelismFlag) { throw ValidationError("--parallelism must be from 1 to 1024") }
    }

    func parallelism(_ project: Project) -> Int { parallelismFlag ?? project.parallelism ?? 10 }

    func plan(_ result: ExpansionResult, state: State?, live: [Int32: BatchTaskInfo]?, selection: SelectionOptions,
              endpoint: String) throws -> Plan {
        var options = PlanOptions(endpoint: endpoint)
        options.prune = prune
        options.allowMassDelete = allowMassDelete
        options.selection = try selection.selection()
        return try Planner.plan(desired: result.tasks, moves: result.moves, sets: result.sets, state: state, live: live, options: options)
    }
}
