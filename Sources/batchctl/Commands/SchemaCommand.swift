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
            it with a first line of '# yaml-language-server: $schema=batchctl.schema.json' (relative to the file).
            """)

    func execute() async throws {
        var writer = JSONWriter(pretty: true)
        writer.write(ManifestSchema.document)
        writer.bytes.append(UInt8(ascii: "\n"))
        Terminal.out(writer.text)
    }
}
