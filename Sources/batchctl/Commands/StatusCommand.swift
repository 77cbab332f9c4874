import ArgumentParser
import BatchTask
import Manifest
import Reconcile

/// `batchctl status`: the live state and progress of the managed tasks.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live State, ProgressPercent and ProgressDescription of the managed tasks.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var endpoint: EndpointOptions

    @Flag(name: .customLong("watch"), help: "Refresh every second until every job has finished.")
    var watch = false

    @Option(name: .customLong("target"), help: ArgumentHelp("Only these addresses or globs (repeatable).", valueName: "ADDR"))
    var targets: [String] = []

    func run() async throws {
        do {
            let project = try global.enterProject()
            let name = try endpoint.requireEndpoint(project: project)
            let session = try StateSession.read(backend: endpoint.backend(project: project), endpoint: name)
            let globs = targets.map(Manifest.Glob.init)
            let entries = session.state.tasks.sorted { $0.key < $1.key }
                .filter { entry in globs.isEmpty || globs.contains { $0.matches(entry.key) } }
            let interactive = Terminal.isTerminal(1)
            let style = Style(enabled: Terminal.usesColor(1))
            try await endpoint.withConnection(project: project, parallelism: project.parallelism ?? 10) { connection in
                var previousLines = 0
                while true {
                    let live = try await connection.client.getMany(entries.map(\.value.id), concurrency: project.parallelism ?? 10)
                    var rows: [[String]] = []
                    var running = 0
                    for (address, entry) in entries {
                        guard let task = live[entry.id] else {
                            rows.append([address, String(entry.id), "missing", "", ""])
                            continue
                        }
                        let state = task.state?.rawValue ?? "?"
                        if !(task.state?.isFinished ?? true) { running += 1 }
                        let percent = Int(task.progressPercent ?? 0)
                        let progress = interactive ? bar(percent) + " \(percent)%" : "\(percent)%"
                        rows.append([address, String(entry.id), colored(state, style), progress, task.progressDescription ?? ""])
                    }
                    var text = TableRendering.render(header: ["ADDRESS", "ID", "STATE", "PROGRESS", "DESCRIPTION"], rows: rows)
                    text += "\(entries.count) managed, \(running) running\n"
                    if watch && interactive && previousLines > 0 { text = "\u{1B}[\(previousLines)A\u{1B}[J" + text }
                    previousLines = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
                    Terminal.out(text)
                    guard watch, running > 0 else { break }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        } catch {
            throw reported(error)
        }
    }

    private func bar(_ percent: Int) -> String {
        let width = 20
        let filled = max(0, min(width, percent * width / 100))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    private func colored(_ state: String, _ style: Style) -> String {
        switch state {
        case "Succeeded", "SucceededManualCleanup": return style.green(state)
        case "Failed": return style.red(state)
        default: return style.yellow(state)
        }
    }
}
