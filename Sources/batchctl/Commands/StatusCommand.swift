import ArgumentParser
import BatchTask
import Reconcile
import Session
import State

/// `batchctl status`: the live state and progress of the managed tasks.
struct StatusCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live State, ProgressPercent and ProgressDescription of the managed tasks, and how their last runs ended.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var targeting: TargetOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var parallelism: ParallelismOption
    @OptionGroup var refreshRead: RefreshReadOption

    @Flag(name: .customLong("watch"), help: "Refresh every second until every job has finished.")
    var watch = false

    func execute() async throws {
        let project = try global.enterProject(environment)
        let session = try endpoint.open(project, state: stateOptions, parallelism: parallelism.value)
        let stored = try await session.read()
        let selection = try targeting.selection()
        try stored.checkPatterns(selection)
        let entries = stored.state.tasks.sorted { $0.key < $1.key }
            .filter { selection.includes(address: $0.key) }
        let interactive = Terminal.isTerminal(1)
        let style = Style(enabled: Terminal.usesColor(1))
        let parallelism = session.parallelism
        // Tasks that were run again show how their last runs ended: read live where the state has no final State.
        let showsRuns = entries.contains { !$0.value.history.isEmpty }
        let showsLife = entries.contains { Self.life($0.value) != nil }
        let earlier = entries.flatMap { $0.value.history.suffix(Self.earlierRuns) }
        let unsettled = earlier.filter { !($0.state.map(BatchTaskState.init(rawValue:))?.isFinished ?? false) }.map(\.id)
        // The selected entries are read as a refresh reads them: from 500 user tasks, one list and then by id what it
        // does not hold.
        var shown = stored.state
        shown.tasks = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        try await session.withConnection { connection in
            var previousLines = 0
            let earlierLive = try await connection.client.getMany(unsettled, concurrency: parallelism)
            while true {
                let live = try await Refresh.live(for: shown, client: connection.client, concurrency: parallelism, read: refreshRead.value)
                var rows: [[String]] = []
                var running = 0
                for (address, entry) in entries {
                    let runs = (showsRuns ? [Self.earlier(entry.history, live: earlierLive, style: style)] : [])
                        + (showsLife ? [Self.life(entry) ?? ""] : [])
                    guard let task = live[entry.id] else {
                        rows.append([address, String(entry.id), "missing", "", ""] + runs.map(TerminalText.escape))
                        continue
                    }
                    if !(task.state?.isFinished ?? true) { running += 1 }
                    let percent = Int(task.progressPercent ?? 0)
                    let progress = interactive ? bar(percent) + " \(percent)%" : "\(percent)%"
                    rows.append([address, String(entry.id), colored(task.state, style), progress,
                                 TerminalText.escape(task.progressDescription ?? "")] + runs.map(TerminalText.escape))
                }
                let header = ["ADDRESS", "ID", "STATE", "PROGRESS", "DESCRIPTION"] + (showsRuns ? ["EARLIER RUNS"] : []) + (showsLife ? ["RUN"] : [])
                // Cells are escaped above, the server's words in them, before the state is coloured.
                var text = TableRendering.render(header: header, rows: rows, escaping: false)
                text += Self.runNotes(entries)
                text += PendingRendering.stateLines(stored.state.pending) { selection.includes(address: $0) }
                let suspended = entries.count { $0.value.suspension != nil }
                text += "\(entries.count) managed, \(running) running\(suspended == 0 ? "" : ", \(suspended) suspended")\n"
                if watch && interactive && previousLines > 0 { text = "\u{1B}[\(previousLines)A\u{1B}[J" + text }
                previousLines = text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
                Terminal.out(text)
                guard watch, running > 0 else { break }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// A line per task that is suspended or has a retry to come: `nightly/import @ suspended by alice@host at ...: why`.
    static func runNotes(_ entries: [(key: String, value: StateEntry)]) -> String {
        var text = ""
        for (address, entry) in entries {
            if let suspension = entry.suspension {
                text += TerminalText.escape("\(address) @ suspended \(ScheduleSuspension.describe(suspension))") + "\n"
            }
            if let retryAt = entry.retryAt {
                text += TerminalText.escape("\(address): attempt \(entry.attempt) failed; attempt \(entry.attempt + 1) at \(retryAt)") + "\n"
            }
        }
        return text
    }

    /// Earlier runs shown per task, newest first.
    static let earlierRuns = 3

    /// `Succeeded 2026-12-01T02:00:00Z, Failed 2026-11-30T02:00:00Z`: how the last earlier runs ended, and when
    /// they started.
    static func earlier(_ history: [PastRun], live: [Int32: BatchTaskInfo], style: Style) -> String {
        let shown = history.suffix(earlierRuns).reversed().map { run in
            let state = run.state.map(BatchTaskState.init(rawValue:)).flatMap { $0.isFinished ? $0 : nil }
                ?? live[run.id]?.state ?? run.state.map(BatchTaskState.init(rawValue:))
            return "\(state?.rawValue ?? "?") \(run.startedAt)"
        }
        let more = history.count > earlierRuns ? " (+\(history.count - earlierRuns))" : ""
        return shown.joined(separator: ", ") + more
    }

    /// `attempt 2, failed; next attempt at 2026-12-02T01:06:00Z; @ suspended (paused after 2 failed runs)`: how
    /// the current run stands as batchctl settled it; nil for a run that was never retried, settled or suspended.
    static func life(_ entry: StateEntry) -> String? {
        var parts: [String] = []
        if entry.attempt > 1 || entry.outcome != nil {
            parts.append("attempt \(entry.attempt)" + (entry.outcome.map { ", \($0 == .timedOut ? "timed out" : $0.rawValue)" } ?? ""))
        }
        if let retryAt = entry.retryAt { parts.append("next attempt at \(retryAt)") }
        if entry.failures > 0 { parts.append("\(entry.failures) failed run\(entry.failures == 1 ? "" : "s") in a row") }
        if let suspension = entry.suspension { parts.append("@ suspended by \(suspension.by) at \(suspension.at) (\(suspension.reason))") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    private func bar(_ percent: Int) -> String {
        let width = 20
        let filled = max(0, min(width, percent * width / 100))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    private func colored(_ state: BatchTaskState?, _ style: Style) -> String {
        guard let raw = state else { return "?" }
        let state = BatchTaskState(rawValue: TerminalText.escape(raw.rawValue))
        switch state {
        case .succeeded, .succeededManualCleanup: return style.green(state.rawValue)
        case .failed: return style.red(state.rawValue)
        default: return style.yellow(state.rawValue)
        }
    }
}
