import APIClient
import BatchTask
import JSON
import Manifest
import Planning

/// Tasks read from the server written as one TaskSet that imports them: keys from their Names, the fields a user
/// sets, the fields they share as the set's defaults, and with `--matrix` one task entry over a matrix where the
/// tasks differ only in a value their Names show.
public enum TaskSetGenerator {
    /// What `generate` writes, and what it has to say about it.
    public struct Generation: Sendable {
        public var set: GeneratedTaskSet
        /// The text of the file.
        public var text: String
        /// Whether the tasks were written as one entry over a matrix.
        public var folded: Bool
        /// Notes for standard error (why `--matrix` wrote copies).
        public var notes: [String]
    }

    /// Whether a text is a set name as manifest.md defines it: `[a-z0-9][a-z0-9._-]{0,62}`.
    public static func isValidSetName(_ name: String) -> Bool { TaskAddress.isValidSetName(name) }

    /// The set for `tasks` (at least one, as the server holds them). Each way of writing it is read back
    /// before it is chosen: the copies must expand to the server's values and the matrix to the same tasks as the
    /// copies, else the copies are written and a note says why.
    public static func generate(_ tasks: [BatchTaskInfo], header: [String], options: GenerationOptions) throws -> Generation {
        let (name, model) = (options.name, options.model)
        let sources = SourceTask.from(tasks, model: model, keepingCreated: options.keepsCreated)
        let shared = SourceTask.sharedFields(sources, model: model)
        let copies = copiesSet(sources, shared: shared, name: name, header: header)
        let wanted = sources.map { (key: $0.key, fields: $0.fields) }
        if let key = ExpansionCheck.difference(try ExpansionCheck.expand(copies), wanted, model: model) {
            throw GenerationError("the generated entry \(key) does not render the server's values; nothing was written")
        }
        var generation = Generation(set: copies, text: copies.yaml(), folded: false, notes: [])
        if let note = SecretNames.note(for: sources) { generation.notes.append(note) }
        guard options.matrix else { return generation }
        let fallback = "--matrix: writing \(sources.count) task entr\(sources.count == 1 ? "y" : "ies") instead of one over a matrix"
        switch MatrixFolding.fold(sources, shared: shared, model: model) {
        case .refused(let reason):
            generation.notes.append("\(fallback): \(reason)")
        case .folded(let entry, let keys):
            var folded = copies
            folded.entries = [entry]
            folded.imports = zip(keys, sources).map { (key: $0, id: $1.id) }
            let expected = zip(keys, sources).map { (key: $0, fields: $1.fields) }
            if let key = ExpansionCheck.difference(try ExpansionCheck.expand(folded), expected, model: model) {
                generation.notes.append("\(fallback): the matrix would render \(key) differently from the task on the server")
            } else {
                generation = Generation(set: folded, text: folded.yaml(), folded: true, notes: generation.notes)
            }
        }
        return generation
    }

    /// One task entry per task, the shared fields in the set's defaults, an import entry per task.
    static func copiesSet(_ sources: [SourceTask], shared: JSONValue.Object, name: String, header: [String]) -> GeneratedTaskSet {
        let entries = sources.map { task in
            var fields = JSONValue.Object()
            for (field, value) in task.fields where shared[field] == nil { fields[field] = LiteralText.escaped(value) }
            return GeneratedTaskSet.Entry(key: task.key, fields: fields)
        }
        var defaults = JSONValue.Object()
        for (field, value) in shared { defaults[field] = LiteralText.escaped(value) }
        return GeneratedTaskSet(name: name, header: header, defaults: defaults, entries: entries,
                                imports: sources.map { (key: $0.key, id: $0.id) })
    }
}

extension TaskSetGenerator {
    /// Reads the tasks `filter` matches through `client` and generates the set for them; `source` names
    /// the endpoint in the file's header.
    public static func generate(client: BatchTaskClient, filter: TaskFilter, options: GenerationOptions, source: String,
                                concurrency: Int) async throws -> Generation {
        let tasks = try await TenantReader.read(client: client, filter: filter, concurrency: concurrency)
        let matching = filter.flags.isEmpty ? "" : " that match \(filter.flags)"
        guard !tasks.isEmpty else {
            throw GenerationError("no task at \(source) matches\(filter.flags.isEmpty ? "" : " " + filter.flags); nothing was written",
                                  hint: "system tasks are included; check the Names with --name and the state with --state")
        }
        let header = [
            "Generated by `batchctl generate` from the \(tasks.count) task\(tasks.count == 1 ? "" : "s") at \(source)\(matching).",
            "Each import entry adopts a task by its id: `batchctl plan` shows the imports, `batchctl apply` records them.",
        ]
        return try generate(tasks, header: header, options: options)
    }
}
