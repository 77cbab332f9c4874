import JSON
import YAML

/// A TaskSet as `generate` writes it: header comment, defaults, task entries and an import entry per task. Every
/// text in it is already what the manifest should say (escaped, or a template on purpose).
public struct GeneratedTaskSet: Sendable {
    /// One task entry: copies have no matrix; a folded entry has one axis and templates in its key and fields.
    public struct Entry: Sendable {
        public var key: String
        public var matrix: (axis: String, values: [String])?
        public var fields: JSONValue.Object

        public init(key: String, matrix: (axis: String, values: [String])? = nil, fields: JSONValue.Object) {
            self.key = key
            self.matrix = matrix
            self.fields = fields
        }
    }

    public var name: String
    /// Lines of the header comment, without their `# `.
    public var header: [String]
    public var defaults: JSONValue.Object
    public var entries: [Entry]
    /// `{to: key, id: id}`, one per task, in the order of the entries' tasks.
    public var imports: [(key: String, id: Int32)]

    public init(name: String, header: [String] = [], defaults: JSONValue.Object, entries: [Entry],
                imports: [(key: String, id: Int32)] = []) {
        self.name = name
        self.header = header
        self.defaults = defaults
        self.entries = entries
        self.imports = imports
    }

    /// The YAML text; without `import:` when `imports` is false (what is expanded to check the entries).
    public func yaml(imports withImports: Bool = true) -> String {
        var out = header.map { "# " + Self.commentLine($0) + "\n" }.joined()
        var document = JSONValue.Object()
        document["apiVersion"] = "batchctl/v1"
        document["kind"] = "TaskSet"
        document["metadata"] = .object(["name": .string(name)])
        if !defaults.isEmpty { document["defaults"] = .object(defaults) }
        document["tasks"] = .array(entries.map(\.json))
        YAMLWriter.append(.object(document), indent: 0, to: &out)
        if withImports && !imports.isEmpty {
            out += "import:\n"
            for entry in imports { out += "  - {to: \(YAMLWriter.scalar(entry.key)), id: \(entry.id)}\n" }
        }
        return out
    }

    /// A comment line holds no line break nor any other control: such a character is shown as `?`.
    private static func commentLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { YAMLWriter.needsEscape($0) ? "?" : $0 }))
    }
}

extension GeneratedTaskSet.Entry {
    /// The entry as a manifest's task entry: key, matrix, then the fields.
    var json: JSONValue {
        var entry = JSONValue.Object()
        entry["key"] = .string(key)
        if let matrix { entry["matrix"] = .object([matrix.axis: .array(matrix.values.map(JSONValue.string))]) }
        for (name, value) in fields { entry[name] = value }
        return .object(entry)
    }
}
