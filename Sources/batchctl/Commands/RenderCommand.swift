import ArgumentParser
import JSON
import Manifest

/// `batchctl render`: the expanded tasks, as they would be sent.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the expanded tasks: address, source and the BatchTaskInfo to be sent.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, yaml, table
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: ManifestInput
    @OptionGroup var selection: SelectionOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "json (an array, in manifest order), yaml or table.")
    var format: Format = .table

    func run() async throws {
        let project = try global.enterProject()
        let result = try input.expand(project: project)
        let tasks = try selection.select(from: result)
        switch format {
        case .json: renderJSON(tasks)
        case .yaml: renderYAML(tasks)
        case .table: renderTable(tasks)
        }
    }

    private func renderJSON(_ tasks: [DesiredTask]) {
        // Chunks of tasks are serialized on every core, then written in order.
        let chunkSize = 2048
        let ranges = stride(from: 0, to: tasks.count, by: chunkSize).map { $0..<min($0 + chunkSize, tasks.count) }
        let pieces = Parallel.map(ranges, minimumPerChunk: 1) { range in
            var writer = JSONWriter(pretty: true)
            writer.beginArray()
            for task in tasks[range] { Self.write(task, to: &writer) }
            return writer.bytes
        }
        var output = BufferedOutput()
        output.append("[")
        for (index, piece) in pieces.enumerated() {
            // Each piece starts with its own "[": drop it, and join the pieces with commas.
            if index > 0 { output.append(",") }
            output.append(bytes: piece.dropFirst())
        }
        output.append(tasks.isEmpty ? "]\n" : "\n]\n")
        output.flush()
    }

    private static func write(_ task: DesiredTask, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.writeKey("address")
        writer.writeString(task.address)
        writer.writeKey("source")
        writer.writeString(task.source.description)
        writer.writeKey("dependsOn")
        writer.beginArray()
        for dependency in task.dependsOn { writer.writeString(dependency) }
        writer.endArray()
        writer.writeKey("task")
        if task.redactions.isEmpty {
            task.info.write(to: &writer)  // streams the fields without building an object per task
        } else {
            writer.write(task.displayJSON)
        }
        writer.endObject()
    }

    private func renderYAML(_ tasks: [DesiredTask]) {
        var output = BufferedOutput()
        for task in tasks {
            var text = "---\n"
            let entry: JSONValue = .object([
                "address": .string(task.address),
                "source": .string(task.source.description),
                "dependsOn": .array(task.dependsOn.map { .string($0) }),
                "task": task.displayJSON,
            ])
            YAMLRendering.append(entry, indent: 0, to: &text)
            output.append(text)
        }
        output.flush()
    }

    private func renderTable(_ tasks: [DesiredTask]) {
        let rows = tasks.map { task in
            [task.address, task.info.name ?? "", TableRendering.abbreviated(task.dependsOn), task.source.description]
        }
        var output = BufferedOutput()
        output.append(TableRendering.render(header: ["ADDRESS", "NAME", "DEPENDS ON", "SOURCE"], rows: rows))
        output.append("\(tasks.count) task\(tasks.count == 1 ? "" : "s")\n")
        output.flush()
    }
}
