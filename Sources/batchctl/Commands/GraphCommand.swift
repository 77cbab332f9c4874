import ArgumentParser
import Manifest
import Planning
import Reconcile

/// `batchctl graph`: the dependsOn graph of the desired tasks, as Graphviz DOT or a mermaid flowchart.
struct GraphCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the dependsOn graph of the desired tasks, clustered by task set.",
        discussion: """
            An edge runs from a task to each task that waits for it. With --state, each node is filled by the \
            action a plan against that state would take (planned without refresh). Render DOT with Graphviz \
            (batchctl graph | dot -Tsvg > graph.svg); paste mermaid into a ```mermaid block on GitHub.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case dot, mermaid }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var stateOptions: StateOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "dot or mermaid.")
    var format: Format = .dot

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project)
        var actions: [String: ActionKind]?
        if stateOptions.isGiven {
            // The state as stored, without its lock: a graph sends nothing and writes nothing.
            let session = try await StateSession.open(.inspect, backend: stateOptions.backend(project: project),
                                                      endpoint: "", observer: NoticePrinter())
            let plan = try session.plan(result, live: nil, options: PlanOptions(endpoint: session.endpoint))
            actions = Dictionary(plan.actions.map { ($0.address, $0.kind) }, uniquingKeysWith: { first, _ in first })
        }
        switch format {
        case .dot: Terminal.out(GraphRendering.dot(result.tasks, actions: actions))
        case .mermaid: Terminal.out(GraphRendering.mermaid(result.tasks, actions: actions))
        }
        exitAfterOutput()
    }
}
