import ArgumentParser
import BatchTask
import DesiredTasks
import Diagnostics
import Foundation
import Onboarding
import Planning
import Session

/// `batchctl generate`: a TaskSet that imports tasks the server already has.
struct GenerateCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a TaskSet for tasks that already exist on the server, with an import entry for each.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var parallelism: ParallelismOption

    @Option(name: .customLong("set"), help: ArgumentHelp("The generated set's name: [a-z0-9][a-z0-9._-]{0,62}.", valueName: "NAME"))
    var setName: String

    @Option(name: .customLong("name"), help: ArgumentHelp("Only tasks whose Name matches this glob (* and ?; repeatable; default: every task).", valueName: "GLOB"))
    var names: [String] = []

    @Option(name: .customLong("state"), help: ArgumentHelp("Only tasks in this BatchTaskState (New, Started, Succeeded, ...).", valueName: "STATE"))
    var state: String?

    @Option(name: .customLong("associate"), help: ArgumentHelp("Only tasks of this owner (repeatable; 0 is a system task's).", valueName: "ID"))
    var associates: [Int32] = []

    @Flag(name: .customLong("system"), help: "Only system tasks.")
    var system = false

    @Flag(name: .customLong("user"), help: "Only user tasks.")
    var user = false

    @Flag(name: .customLong("matrix"), help: "Where the tasks differ only in a value their Names show, one task entry over a matrix of those values.")
    var matrix = false

    @Flag(name: .customLong("keep-created"), help: "Keep each task's Created; by default the server sets it when a task is made again.")
    var keepCreated = false

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write the set to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        if !TaskSetGenerator.isValidSetName(setName) {
            throw ValidationError("--set '\(setName)' is not a set name: [a-z0-9][a-z0-9._-]{0,62}")
        }
        if let state, !BatchTaskState(rawValue: state).isKnown {
            let names = BatchTaskState.knownStates.map(\.rawValue)
            throw ValidationError("--state '\(state)' is not a BatchTaskState\(Suggestion.hint(for: state, in: names)) (one of \(names.joined(separator: ", ")))")
        }
        if system && user { throw ValidationError("--system and --user exclude each other; give neither for both kinds") }
    }

    func execute() async throws {
        let project = try global.enterProject(environment)
        let filter = TaskFilter(names: names.map(Glob.init), state: state.map(BatchTaskState.init(rawValue:)),
                                associates: Set(associates), kind: system ? .system : user ? .user : .any)
        let options = GenerationOptions(name: setName, matrix: matrix, keepsCreated: keepCreated, model: FieldModel(project: project))
        let target = Endpoint(settings: endpoint.settings, project: project)
        let source = try target.name()
        let concurrency = parallelism.value ?? project.parallelism ?? ProjectSession.defaultParallelism
        let generation = try await target.withConnection(parallelism: concurrency, reporter: NoticePrinter()) { connection in
            try await TaskSetGenerator.generate(client: connection.client, filter: filter, options: options,
                                                source: source, concurrency: concurrency)
        }
        for note in generation.notes { Terminal.err("note: \(note)\n") }
        guard let output else {
            Terminal.out(generation.text)
            return
        }
        try write(generation.text, to: output)
        let count = generation.set.imports.count
        Terminal.err("Wrote \(output): task set \(setName) with \(count) task\(count == 1 ? "" : "s") to import\(generation.folded ? " (one entry over a matrix)" : "").\n")
    }

    /// Writes a new file, making its folder as needed; an existing file is refused, since it may hold work.
    private func write(_ text: String, to path: String) throws {
        let files = FileManager.default
        guard !files.fileExists(atPath: path) else {
            throw CommandFailure("\(path) exists already; generate writes a new file: remove it or choose another with -o")
        }
        do {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try files.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
