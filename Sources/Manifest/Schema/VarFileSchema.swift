import Diagnostics
import JSON
import YAML

/// The JSON Schema of a var file for the inputs the manifests declare: the project's, and every set's.
///
/// An editor that knows it completes input names, shows their descriptions, and marks a value of the wrong type
/// as it is typed, before `batchctl validate` would.
public enum VarFileSchema {
    /// The schema, and the problems met while reading the declarations. Names that are not inputs are allowed,
    /// since plain vars are not typed; an input declared by two sets with different types allows either.
    public static func document(_ options: ManifestOptions) -> (schema: JSONValue, diagnostics: [Diagnostic]) {
        let diagnostics = DiagnosticCollector()
        let loader = Loader(options: LoaderOptions(root: options.root, allowIncludeOutside: options.allowIncludeOutside))
        let sources = ManifestSources.load(
            paths: options.paths, locations: options.manifestPathLocations,
            skipping: Set(options.projectVarFiles.map(\.path) + options.varFiles), projectFile: options.projectFile,
            loader: loader, diagnostics: diagnostics)
        var declared: [(set: String, input: InputDeclaration)] = options.projectInputs.map { ("the project", $0) }
        for document in sources.taskSets {
            guard let node = document.root[TaskSetKey.inputs.rawValue] else { continue }
            let reader = InputReader(node)
            reader.errors.forEach(diagnostics.add)
            let set = document.root["metadata"]?["name"]?.scalar?.text ?? document.file
            declared += reader.inputs.map { ("set \(set)", $0) }
        }
        var properties: JSONValue.Object = [:]
        for name in Set(declared.map(\.input.name)).sorted() {
            let all = declared.filter { $0.input.name == name }
            var types: [InputType] = []
            for entry in all where !types.contains(entry.input.type) { types.append(entry.input.type) }
            // A var file's value may be an expression, whose type is known only once it is evaluated.
            let expression: JSONValue = ["type": "string", "pattern": #"\$\{"#]
            var schema: JSONValue.Object = types.contains(.any) ? [:] : ["anyOf": .array(types.map(\.jsonSchema) + [expression])]
            let descriptions = all.map { entry in
                "\(entry.input.type) (\(entry.set))" + (entry.input.description.map { ": \($0)" } ?? "")
            }
            schema["description"] = .string(descriptions.joined(separator: "; "))
            properties[name] = .object(schema)
        }
        let schema: JSONValue = [
            "$schema": .string(ManifestSchema.draft),
            "title": "batchctl var file",
            "description": "values for the inputs the manifests declare (a value may also be an expression ${...}); names that are not inputs are plain vars",
            "type": "object",
            "properties": .object(properties),
        ]
        return (schema, diagnostics.diagnostics.sortedByLocation())
    }
}
