import ArgumentParser
import DesiredTasks
import JSON
import Manifest
import YAML

/// `batchctl render`: the expanded tasks, as they would be sent.
struct RenderCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the expanded tasks: address, source and the BatchTaskInfo to be sent.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, yaml, table
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var input: ManifestInput
    @OptionGroup var targeting: TargetOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "json (an array, in manifest order), yaml or table.")
    var format: Format = .table

    func execute() async throws {
        let project = try global.enterProject(environment)
        let result = try input.expand(project: project)
        let tasks = try targeting.select(from: result, input: input)
        switch format {
        case .json: renderJSON(tasks)
        case .yaml: renderYAML(tasks)
        case .table: renderTable(tasks)
        }
        exitAfterOutput()
    }

    private func renderJSON(_ tasks: [DesiredTask]) {
        var output = BufferedOutput()
        RenderDocument.json(tasks) { output.append(bytes: $0) }
        output.flush()
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
            YAMLWriter.append(entry, indent: 0, to: &text)
            output.append(text)
        }
        output.flush()
    }

    private func renderTable(_ tasks: [DesiredTask]) {
        let rows = tasks.map { task in
            // The displayed Name: a sensitive() one shows as (sensitive), as in every other output.
            [task.address, task.redactions[.name]?.stringValue ?? task.info.name ?? "", TableRendering.abbreviated(task.dependsOn),
             task.source.description]
        }
        var output = BufferedOutput()
        output.append(TableRendering.render(header: ["ADDRESS", "NAME", "DEPENDS ON", "SOURCE"], rows: rows))
        output.append("\(tasks.count) task\(tasks.count == 1 ? "" : "s")\n")
        output.flush()
    }
}
