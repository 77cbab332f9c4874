import BatchTask
import DesiredTasks
import Diagnostics
import Expressions
import JSON
import OrderedCollections
import YAML

/// A `dependsOn` entry of one expanded task, before it is resolved to addresses.
struct DependencyReference: Sendable {
    var text: String
    var location: SourceLocation
}

/// Expands one TaskSet document into desired tasks.
final class SetExpander {
    private static let topLevelKeys = TaskSetKey.allCases.map(\.rawValue)
    /// Names a var cannot have; a matrix axis cannot have the first three (`reservedAxisNames`).
    static let reservedNames = ["env", "set", "task", "true", "false", "null"]
    static let reservedAxisNames = ["env", "set", "task"]

    let document: Node
    let options: ManifestOptions
    let diagnostics: DiagnosticCollector
    private(set) var name: String?
    private(set) var nameLocation: SourceLocation
    private(set) var labels: [String: String] = [:]
    /// The names of the set's vars and inputs (the project's inputs among them).
    private(set) var declaredVars: Set<String> = []
    /// True when an input's value has an error: the tasks are not expanded, so that the error is the only one.
    private(set) var inputsFailed = false
    private(set) var moveNodes: [Node] = []
    private var importNode: Node?
    private let vars: VarTable
    private var templates: [String: Node] = [:]
    private var flattenedTemplates: [String: [(name: String, node: Node)]] = [:]

    init(document: Node, options: ManifestOptions, overrides: [VarOverride], diagnostics: DiagnosticCollector) {
        self.document = document
        self.options = options
        self.diagnostics = diagnostics
        self.nameLocation = document.location
        var setName = ""
        if let metadata = document["metadata"], let nameNode = metadata["name"], let text = nameNode.scalar?.text {
            nameLocation = nameNode.location
            if SetExpander.isValidSetName(text) {
                name = text
                setName = text
            } else {
                diagnostics.error(nameNode.location, "invalid set name '\(text)': use 1 to 63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            }
        } else {
            diagnostics.error(document["metadata"]?.location ?? document.location, "the task set has no metadata.name; add metadata: {name: my-set}")
        }
        vars = VarTable(setName: setName, environment: options.environment, diagnostics: diagnostics)
        readDocument(overrides: overrides)
        inputsFailed = !vars.checkInputs()
    }

    private func readDocument(overrides: [VarOverride]) {
        guard let pairs = document.mappingPairs else { return }
        var varLocations: [String: SourceLocation] = [:]
        var inputs: [InputDeclaration] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { continue }
            guard let known = TaskSetKey(rawValue: key) else {
                let hint = Suggestion.hint(for: key, in: SetExpander.topLevelKeys)
                diagnostics.error(pair.key.location, "unknown key '\(key)' in a TaskSet\(hint) (known: \(SetExpander.topLevelKeys.joined(separator: ", ")))")
                continue
            }
            switch known {
            case .apiVersion, .kind, .tasks, .defaults:
                break
            case .metadata:
                readMetadata(pair.value)
            case .vars:
                guard let entries = mapping(pair.value, what: "vars") else { continue }
                for entry in entries {
                    guard let varName = entry.key.scalar?.text else { continue }
                    guard SetExpander.isIdentifier(varName), !SetExpander.reservedNames.contains(varName) else {
                        diagnostics.error(entry.key.location, "'\(varName)' cannot be a var name: use letters, digits and '_', not starting with a digit, and none of env, set, task, true, false, null")
                        continue
                    }
                    declaredVars.insert(varName)
                    varLocations[varName] = entry.key.location
                    vars.define(varName, node: entry.value, source: .set(entry.key.location))
                }
            case .inputs:
                let reader = InputReader(pair.value)
                reader.errors.forEach(diagnostics.add)
                inputs += reader.inputs
            case .templates:
                guard let entries = mapping(pair.value, what: "templates") else { continue }
                for entry in entries {
                    guard let templateName = entry.key.scalar?.text else { continue }
                    templates[templateName] = entry.value
                }
            case .moved:
                guard case .sequence(let items) = pair.value.content else {
                    diagnostics.error(pair.value.location, "moved is a list of {from, to} entries")
                    continue
                }
                moveNodes = items
            case .import:
                importNode = pair.value
            }
        }
        declareInputs(inputs, varLocations: varLocations)
        for override in overrides where declaredVars.contains(override.name) {
            vars.define(override.name, node: override.node, source: override.source)
        }
        if document["tasks"] == nil {
            diagnostics.error(document.location, "the task set has no tasks; add tasks: [...] with at least one entry")
        }
    }

    /// Declares the project's inputs and the set's own; a name may be one var or one input, not both.
    private func declareInputs(_ inputs: [InputDeclaration], varLocations: [String: SourceLocation]) {
        let own = Dictionary(inputs.map { ($0.name, $0.location) }, uniquingKeysWith: { first, _ in first })
        for input in options.projectInputs {
            guard let again = varLocations[input.name] ?? own[input.name] else {
                declaredVars.insert(input.name)
                vars.declare(input)
                continue
            }
            diagnostics.error(again, "'\(input.name)' is an input of the project (declared at \(input.location)); a set cannot declare it again")
        }
        for input in inputs where !options.projectInputs.contains(where: { $0.name == input.name }) {
            if let varLocation = varLocations[input.name] {
                diagnostics.error(input.location, "'\(input.name)' is declared both as a var (at \(varLocation)) and as an input; keep one")
                continue
            }
            declaredVars.insert(input.name)
            vars.declare(input)
        }
    }

    private func readMetadata(_ node: Node) {
        guard let entries = mapping(node, what: "metadata") else { return }
        let names = MetadataKey.allCases.map(\.rawValue)
        for entry in entries {
            let key = entry.key.scalar?.text ?? ""
            guard let known = MetadataKey(rawValue: key) else {
                diagnostics.error(entry.key.location, "unknown key '\(key)' in metadata\(Suggestion.hint(for: key, in: names)) (known: \(names.joined(separator: ", ")))")
                continue
            }
            switch known {
            case .name:
                break
            case .labels:
                guard let labelPairs = mapping(entry.value, what: "labels") else { continue }
                for label in labelPairs {
                    guard let key = label.key.scalar?.text, case .scalar(let value) = label.value.content else {
                        diagnostics.error(label.value.location, "labels are text: key: value")
                        continue
                    }
                    labels[key] = value.text
                }
            }
        }
    }

    private func mapping(_ node: Node, what: String) -> [Node.Pair]? {
        if case .scalar(let s) = node.content, s.value == .null { return [] }
        guard let pairs = node.mappingPairs else {
            diagnostics.error(node.location, "\(what) must be a mapping, not \(node.kindName)")
            return nil
        }
        return pairs
    }

    // MARK: - Expansion

    func expand(into tasks: inout [DesiredTask], dependencies: inout [[DependencyReference]], explanation: inout Explanation?) {
        guard let name, !inputsFailed, let tasksNode = document["tasks"] else { return }
        guard case .sequence(let entries) = tasksNode.content else {
            diagnostics.error(tasksNode.location, "tasks must be a list of task entries, not \(tasksNode.kindName)")
            return
        }
        let defaults = document["defaults"].flatMap { mapping($0, what: "defaults") } ?? []
        var keys: [String: (location: SourceLocation, slots: [Value?])] = [:]
        for entry in entries {
            guard let pairs = entry.mappingPairs else {
                diagnostics.error(entry.location, "a task entry is a mapping with a key and BatchTaskInfo fields, not \(entry.kindName)")
                continue
            }
            TaskEntryExpander(setExpander: self, setName: name, entry: entry, pairs: pairs, defaults: defaults)
                .expand(into: &tasks, dependencies: &dependencies, keys: &keys, explanation: &explanation)
        }
    }

    /// The set's `import` entries, expanded; their `to` is resolved once every set is expanded.
    func expandImports() -> [ImportExpander.Written] {
        guard name != nil, let importNode else { return [] }
        return ImportExpander(setExpander: self).expand(importNode)
    }

    /// The templates a task entry's `extends` names, with the templates they extend first, in merge order.
    func templateLayers(for extends: Node) -> [(name: String, node: Node)] {
        var layers: [(name: String, node: Node)] = []
        for (templateName, location) in names(in: extends) {
            layers += flattenTemplate(templateName, at: location, visiting: [])
        }
        return layers
    }

    private func names(in extends: Node) -> [(String, SourceLocation)] {
        switch extends.content {
        case .scalar(let s):
            return [(s.text, extends.location)]
        case .sequence(let items):
            return items.compactMap { item in
                guard let text = item.scalar?.text else {
                    diagnostics.error(item.location, "extends lists template names")
                    return nil
                }
                return (text, item.location)
            }
        case .mapping:
            diagnostics.error(extends.location, "extends is a template name or a list of them")
            return []
        }
    }

    private func flattenTemplate(_ templateName: String, at location: SourceLocation, visiting: [String]) -> [(name: String, node: Node)] {
        if let cached = flattenedTemplates[templateName] { return cached }
        guard let node = templates[templateName] else {
            let hint = Suggestion.hint(for: templateName, in: templates.keys)
            diagnostics.error(location, "no template named '\(templateName)'\(hint)")
            return []
        }
        if visiting.contains(templateName) {
            let cycle = (visiting.drop { $0 != templateName } + [templateName]).joined(separator: " -> ")
            diagnostics.error(location, "templates extend each other in a cycle: \(cycle)")
            return []
        }
        var layers: [(name: String, node: Node)] = []
        if let extends = node["extends"] {
            for (parent, parentLocation) in names(in: extends) {
                layers += flattenTemplate(parent, at: parentLocation, visiting: visiting + [templateName])
            }
        }
        layers.append((templateName, node))
        flattenedTemplates[templateName] = layers
        return layers
    }

    var varScope: NameScope { vars.scope }
    var varDefinitions: [String: VarTable.Definition] { vars.definitions }
    var inputs: [String: InputDeclaration] { vars.inputs }
    var inputNames: [String] { vars.inputNames }

    // MARK: - Name rules

    // The rules below as regular expressions, for `ManifestSchema`; SchemaTableTests checks that the two agree.
    static let setNamePattern = "^[a-z0-9][a-z0-9._-]{0,62}$"
    static let keyPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
    static let identifierPattern = "^[A-Za-z_][A-Za-z0-9_]*$"

    static func isValidSetName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isLowerAlnum(bytes[0]) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isValidKey(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...200).contains(bytes.count), isAlnum(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, !(first >= 48 && first <= 57) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    private static func isAlnum(_ b: UInt8) -> Bool { isLowerAlnum(b) || (b >= 65 && b <= 90) }
}
