import BatchTask
import Foundation
import JSON
import Manifest
import Planning

/// A generated set read back as `batchctl validate` and `render` read it: what it expands to must be what the
/// server holds, or the file is not written.
enum ExpansionCheck {
    /// Each task the set expands to, by key, as the fields it would send. Throws when the set does not validate.
    static func expand(_ set: GeneratedTaskSet) throws -> [String: JSONValue.Object] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-generate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("\(set.name).yaml").path
        // Without `import:`: what is checked here is the task entries.
        try set.yaml(imports: false).write(toFile: file, atomically: true, encoding: .utf8)
        let result = ManifestEngine.expand(ManifestOptions(paths: [file]))
        if result.hasErrors {
            let errors = result.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw GenerationError("the generated set does not validate:\n" + errors.joined(separator: "\n"))
        }
        var tasks: [String: JSONValue.Object] = [:]
        for task in result.tasks {
            var fields = JSONValue.Object()
            for field in task.info.presentFields { fields[field.rawValue] = task.info[field] }
            tasks[task.key] = fields
        }
        return tasks
    }

    /// The first key whose task differs between the two (as `model` compares fields), or that one has and the
    /// other does not; nil when they are the same tasks.
    static func difference(_ expanded: [String: JSONValue.Object], _ wanted: [(key: String, fields: JSONValue.Object)],
                           model: FieldModel) -> String? {
        for (key, fields) in wanted {
            guard let found = expanded[key], UserFields.same(found, fields, model: model) else { return key }
        }
        return expanded.count == wanted.count ? nil : expanded.keys.sorted().first { key in !wanted.contains { $0.key == key } }
    }
}
