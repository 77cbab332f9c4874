import BatchTask
import JSON
import Planning

/// A task read from the server, as `generate` writes it: its id, its key, and the fields a user sets (as the
/// server holds them, not yet escaped).
public struct SourceTask: Sendable, Hashable {
    public var id: Int32
    public var key: String
    public var fields: JSONValue.Object

    public init(id: Int32, key: String, fields: JSONValue.Object) {
        self.id = id
        self.key = key
        self.fields = fields
    }

    /// Each task with its `UserFields` and a key from its Name (`TaskKeys.unique`), in the order given.
    public static func from(_ tasks: [BatchTaskInfo], model: FieldModel, keepingCreated: Bool = false) -> [SourceTask] {
        let keys = TaskKeys.unique(tasks.map { (id: $0.id ?? 0, name: $0.name) })
        return zip(tasks, keys).map { task, key in
            SourceTask(id: task.id ?? 0, key: key, fields: UserFields.of(task, model: model, keepingCreated: keepingCreated))
        }
    }

    /// The fields every task holds with the same value (as `model` compares them), in the first task's order: what
    /// a set's `defaults` can hold. Name stays with each task, where a reader looks for it; one task has no
    /// defaults.
    public static func sharedFields(_ tasks: [SourceTask], model: FieldModel) -> JSONValue.Object {
        guard let first = tasks.first, tasks.count > 1 else { return [:] }
        var shared = JSONValue.Object()
        for (name, value) in first.fields where name != BatchTaskField.name.rawValue {
            guard let field = BatchTaskField(rawValue: name) else { continue }
            let everywhere = tasks.dropFirst().allSatisfy { task in
                task.fields[name].map { model.same(field, value, $0) } ?? false
            }
            if everywhere { shared[name] = value }
        }
        return shared
    }
}
