import ArgumentParser
import BatchTask
import Reconcile

/// `batchctl status`: the live state and progress of the managed tasks.
struct StatusCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live State, ProgressPercent and ProgressDescription of the managed tasks.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption

    @Flag(name: .customLong("watch"), help: "Refresh every second until every job has finished.")
    var watch = false

    func execute() async throws {
        let project = try global.enterProject(environment)
        let name = try endpoint.name(project: project)
        let session = try await StateSession.open(.read, backend: stateOptions.backend(project: project), endpoint: name,
                                            observer: NoticePrinter())
        let selection = try targeting.selection()
        try session.checkPatterns(selection)
        let entries = session.state.tasks.sorted { $0.key < $1.key }
            .filter { selection.includes(address: $0.key) }
        let interactive = Terminal.isTerminal(1)
        let style = Style(enabled: Terminal.usesColor(1))
        let parallelism = parallelism.resolve(project)
        try await endpoint.withConnection(project: project, parallelism: parallelism) { connection in
            var previousLines = 0
            while true {
                let live = try await connection.client.getMany(entries.map(\.value.id), concurrency: parallelism)
                var rows: [[String]] = []
                var running = 0
                for (address, entry) in entries {
                    guard let task = live[entry.id] else {
                        rows.append([address, String(entry.id), "missing", "", ""])
                        continue
                    }
                    if !(task.state?.isFinished ?? true) { running += 1 }
                    let percent = Int(task.progressPercent ?? 0)
                    let progress = interactive ? bar(percent) + " \(percent)%" : "\(percent)%"
                    rows.append([address, String(entry.id), colored(task.state, style), progress, task.progressDescription ?? ""])
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
    }

    private func bar(_ percent: Int) -> String {
        let width = 20
        let filled = max(0, min(width, percent * width / 100))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    private func colored(_ state: BatchTaskState?, _ style: Style) -> String {
        guard let state else { return "?" }
        switch state {
        case .succeeded, .succeededManualCleanup: return style.green(state.rawValue)
        case .failed: return style.red(state.rawValue)
        default: return style.yellow(state.rawValue)
        }
    }
}
