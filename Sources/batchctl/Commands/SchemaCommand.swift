import ArgumentParser
import JSON
import Manifest

/// `batchctl schema`: the JSON Schema of manifests and the project file, for editors.
struct SchemaCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of TaskSet and Project documents, for editors.",
        discussion: """
            Save it beside the manifests (batchctl schema > batchctl.schema.json) and point yaml-language-server at \
            it with a first line of '# yaml-language-server: $schema=batchctl.schema.json' (relative to the file). \
            With --var-file, print instead the schema of a var file for the inputs the manifests declare.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environment: EnvironmentOption

    @Flag(name: .customLong("var-file"), help: "Print the schema of a var file: the manifests' declared inputs, with their types and descriptions.")
    var varFile = false

    @Option(name: [.short, .customLong("file")], help: ArgumentHelp(
        "With --var-file: a manifest file or directory (repeatable; default: the project's manifests, or .).",
        valueName: "PATH"))
    var files: [String] = []

    func execute() async throws {
        var schema = ManifestSchema.document
        if varFile {
            let project = try global.enterProject(environment)
            var options = ManifestOptions(project: project)
            if !files.isEmpty { options.paths = files }
            let read = VarFileSchema.document(options)
            DiagnosticPrinter.print(read.diagnostics, format: .text)
            if read.diagnostics.hasErrors { throw ExitCode.failure }
            schema = read.schema
        }
        var writer = JSONWriter(pretty: true)
        writer.write(schema)
        writer.bytes.append(UInt8(ascii: "\n"))
        Terminal.out(writer.text)
    }
}
