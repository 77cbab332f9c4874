import BatchTask
import JSON
import Planning

/// Tasks that differ only in a value their Names show, written as one task entry with a matrix axis of those
/// values (`--matrix`): `Purge eu`, `Purge us` become `Purge ${variant}` over `[eu, us]`.
public enum MatrixFolding {
    /// The axis the folded entry iterates.
    public static let axis = "variant"

    /// The folded entry and the keys it expands to (in the tasks' order), or why the tasks do not fold.
    public enum Outcome: Sendable {
        case folded(GeneratedTaskSet.Entry, keys: [String])
        case refused(String)
    }

    /// Folds `tasks` (their fields in `shared` left to the set's defaults). Every field that differs must be a text
    /// (or a ParameterObject value) that is one template of the Name's varying part.
    public static func fold(_ tasks: [SourceTask], shared: JSONValue.Object, model: FieldModel) -> Outcome {
        guard tasks.count > 1 else { return .refused("a matrix needs at least two tasks") }
        let names = tasks.compactMap { $0.fields[BatchTaskField.name.rawValue]?.stringValue }
        guard names.count == tasks.count else { return .refused("a task has no Name") }
        guard let split = NameSplit(names) else {
            return .refused("the Names do not differ in one part that is different in each")
        }
        let key: (template: String, keys: [String])
        switch keyTemplate(split) {
        case .failure(let refusal): return .refused(refusal.description)
        case .success(let made): key = made
        }
        // A field some tasks hold and the first does not cannot be one template.
        let written = Set(tasks[0].fields.keys).union(shared.keys)
        if tasks.contains(where: { !Set($0.fields.keys).isSubset(of: written) }) {
            return .refused("the tasks do not all set the same fields")
        }
        var fields = JSONValue.Object()
        for name in tasks[0].fields.keys where shared[name] == nil {
            guard let field = BatchTaskField(rawValue: name) else { continue }
            if field == .name {
                fields[name] = .string(LiteralText.escaped(split.prefix) + "${\(axis)}" + LiteralText.escaped(split.suffix))
                continue
            }
            guard let template = template(field, tasks.map { $0.fields[name] }, split: split, model: model) else {
                return .refused("\(name) differs between the tasks in more than the Name's varying part")
            }
            fields[name] = template
        }
        let values = split.values.map(LiteralText.escaped)
        return .folded(GeneratedTaskSet.Entry(key: key.template, matrix: (axis, values), fields: fields), keys: key.keys)
    }

    /// A field's value as one template over the axis: the same escaped value when every task has the same, else a
    /// text in which the first task's varying part stands for each task's. Nil when there is no such template.
    static func template(_ field: BatchTaskField, _ values: [JSONValue?], split: NameSplit, model: FieldModel) -> JSONValue? {
        guard let first = values[0], values.allSatisfy({ $0 != nil }) else { return nil }
        if values.dropFirst().allSatisfy({ model.same(field, first, $0 ?? .null) }) { return LiteralText.escaped(first) }
        switch first {
        case .string:
            return textTemplate(values.map { $0?.stringValue }, split: split).map(JSONValue.string)
        case .object(let members) where field == .parameterObject:
            var out = JSONValue.Object()
            for key in members.keys {
                let column = values.map { $0?[key] }
                guard values.allSatisfy({ $0?.objectValue?.count == members.count }), let made = template(.name, column, split: split, model: model) else {
                    return nil
                }
                out[LiteralText.escaped(key)] = made
            }
            return .object(out)
        default:
            return nil
        }
    }

    /// The first text with each occurrence of the first task's varying part made `${variant}`, the rest escaped;
    /// nil unless putting each task's part there gives that task's text.
    static func textTemplate(_ texts: [String?], split: NameSplit) -> String? {
        guard let first = texts[0], first.contains(split.values[0]) else { return nil }
        let pieces = first.components(separatedBy: split.values[0])
        for (index, text) in texts.enumerated() where pieces.joined(separator: split.values[index]) != text {
            return nil
        }
        return pieces.map(LiteralText.escaped).joined(separator: "${\(axis)}")
    }

    /// The key template (the Name's fixed parts as key words around the value, lower-cased where a value has
    /// capitals) and the keys it gives.
    static func keyTemplate(_ split: NameSplit) -> Result<(template: String, keys: [String]), Refusal> {
        let lowers = split.values.contains { $0 != $0.lowercased() }
        let value = lowers ? "${lower(\(axis))}" : "${\(axis)}"
        let prefix = TaskKeys.slug(split.prefix), suffix = TaskKeys.slug(split.suffix)
        func join(_ middle: String) -> String { [prefix, middle, suffix].filter { !$0.isEmpty }.joined(separator: "-") }
        let keys = split.values.map { join(lowers ? $0.lowercased() : $0) }
        guard keys.allSatisfy(TaskKeys.isValid) else {
            return .failure(Refusal("the varying parts of the Names (\(split.values.prefix(3).joined(separator: ", "))...) cannot be part of a key"))
        }
        guard Set(keys).count == keys.count else { return .failure(Refusal("the varying parts of the Names give the same key twice")) }
        return .success((join(value), keys))
    }

    /// Why a key template could not be made.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Names as a fixed prefix, a varying part and a fixed suffix, the parts cut at word boundaries.
struct NameSplit: Sendable, Hashable {
    var prefix: String
    var suffix: String
    /// Each Name's varying part, in the Names' order: never empty, each different.
    var values: [String]

    init?(_ names: [String]) {
        guard let first = names.first.map(Array.init) else { return nil }
        let all = names.map(Array.init)
        var start = all.dropFirst().reduce(first.count) { length, name in
            zip(first, name).prefix(length).prefix { $0 == $1 }.count
        }
        let shortest = all.map(\.count).min() ?? 0
        var end = all.dropFirst().reduce(min(first.count, shortest) - start) { length, name in
            zip(first.reversed(), name.reversed()).prefix(length).prefix { $0 == $1 }.count
        }
        // Back to word boundaries: `Shard 10`, `Shard 11` vary in `10`/`11`, not in `0`/`1`.
        while start > 0 && Self.isWord(first[start - 1]) && all.contains(where: { start < $0.count - end && Self.isWord($0[start]) }) {
            start -= 1
        }
        while end > 0 && Self.isWord(first[first.count - end]) && all.contains(where: { $0.count - end - 1 >= start && Self.isWord($0[$0.count - end - 1]) }) {
            end -= 1
        }
        let values = all.map { String($0[start..<($0.count - end)]) }
        guard values.allSatisfy({ !$0.isEmpty }), Set(values).count == values.count else { return nil }
        prefix = String(first[..<start])
        suffix = String(first[(first.count - end)...])
        self.values = values
    }

    private static func isWord(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }
}
