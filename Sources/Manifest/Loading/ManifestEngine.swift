import BatchTask
import DesiredTasks
import Diagnostics
import Foundation
import OrderedCollections
import YAML

/// Turns manifests into desired tasks: load, evaluate vars, merge templates, expand matrices, check types.
public enum ManifestEngine {
    public static func expand(_ options: ManifestOptions) -> ExpansionResult {
        let diagnostics = DiagnosticCollector()
        let loader = Loader(options: LoaderOptions(root: options.root, allowIncludeOutside: options.allowIncludeOutside))
        let overrides = loadOverrides(options, loader: loader, diagnostics: diagnostics)
        let sources = ManifestSources.load(
            paths: options.paths, locations: options.manifestPathLocations,
            skipping: Set(options.projectVarFiles.map(\.path) + options.varFiles), projectFile: options.projectFile,
            loader: loader, diagnostics: diagnostics)

        var result = ExpansionResult()
        result.filesRead = sources.filesRead
        var setLocations: [String: SourceLocation] = [:]
        var declaredVars = Set<String>()
        var moveNodes: [(set: String, node: Node)] = []
        var importEntries: [(set: String, entry: ImportExpander.Written)] = []
        var dependsOn: [[DependencyReference]] = []
        for document in sources.taskSets {
            let expander = SetExpander(
                document: document.root, options: options, overrides: overrides, diagnostics: diagnostics)
            guard let name = expander.name else { continue }
            if let first = setLocations[name] {
                diagnostics.error(expander.nameLocation, "task set '\(name)' is defined twice; set names are unique across everything loaded",
                                  notes: ["first defined at \(first)"])
                continue
            }
            setLocations[name] = expander.nameLocation
            let before = result.tasks.count
            expander.expand(into: &result.tasks, dependencies: &dependsOn, explanation: &result.explanation)
            declaredVars.formUnion(expander.declaredVars)
            moveNodes += expander.moveNodes.map { (name, $0) }
            importEntries += expander.expandImports().map { (name, $0) }
            result.sets.append(TaskSetSummary(
                name: name, labels: expander.labels, location: expander.nameLocation, taskCount: result.tasks.count - before))
        }
        // After an error a set may not have been read, so "nobody declares it" could be wrong.
        for override in overrides where !declaredVars.contains(override.name) && !diagnostics.hasErrors {
            let hint = Suggestion.hint(for: override.name, in: declaredVars)
            diagnostics.warning(override.source.location, "a value is given for var '\(override.name)' (\(override.source)), but no task set declares it\(hint)")
        }
        if !diagnostics.hasErrors {
            DependencyResolver.resolve(&result.tasks, references: dependsOn, maxEdges: options.maxDependencyEdges,
                                       diagnostics: diagnostics)
            result.moves = resolveMoves(moveNodes, tasks: result.tasks, diagnostics: diagnostics)
            result.imports = resolveImports(importEntries, tasks: result.tasks, diagnostics: diagnostics)
        }
        if let address = options.explain, result.explanation == nil, !diagnostics.hasErrors {
            let known = result.tasks.map(\.address)
            diagnostics.error(nil, "no task has the address '\(address)'\(Suggestion.hint(for: address, in: known))")
        }
        result.diagnostics = diagnostics.diagnostics.sortedByLocation()
        return result
    }

    /// Values from outside the sets, weakest first: the project's var files (its own, then its environment's), the
    /// environment's vars, `--var-file`, `BATCHCTL_VAR_*` and `--var`.
    private static func loadOverrides(_ options: ManifestOptions, loader: Loader, diagnostics: DiagnosticCollector) -> [VarOverride] {
        var overrides: [VarOverride] = []
        func readVarFile(_ path: String, named: SourceLocation? = nil, source: (SourceLocation) -> VarSource) {
            do throws(Diagnostic) {
                let file: YAMLFile
                do throws(Diagnostic) {
                    file = try loader.load(file: path)
                } catch where error.location == nil && named != nil {
                    // A file that cannot be read is reported where the project file names it.
                    throw Diagnostic.error(named, error.message + " (a varFiles entry of the project)", notes: error.notes)
                }
                for document in file.documents {
                    guard let pairs = document.mappingPairs else {
                        diagnostics.error(document.location, "a var file holds a mapping of var names to values, not \(document.kindName)")
                        continue
                    }
                    for pair in pairs {
                        guard let name = pair.key.scalar?.text else { continue }
                        overrides.append(VarOverride(name: name, node: pair.value, source: source(pair.key.location)))
                    }
                }
            } catch {
                diagnostics.add(error)
            }
        }
        for (path, environment) in options.projectVarFiles {
            readVarFile(path, named: options.varFileLocations[path]) { .projectVarFile($0, environment: environment) }
        }
        overrides += options.projectVars
        for path in options.varFiles {
            readVarFile(path) { .varFile($0) }
        }
        for (key, value) in options.environment.sorted(by: { $0.key < $1.key }) where key.hasPrefix("BATCHCTL_VAR_") {
            let name = String(key.dropFirst("BATCHCTL_VAR_".count))
            do throws(Diagnostic) {
                overrides.append(VarOverride(name: name, node: try externalValue(value, displayName: key, loader: loader),
                                             source: .environment(key)))
            } catch {
                diagnostics.add(error)
            }
        }
        for (name, value) in options.vars {
            do throws(Diagnostic) {
                overrides.append(VarOverride(name: name, node: try externalValue(value, displayName: "--var \(name)", loader: loader),
                                             source: .flag(name)))
            } catch {
                diagnostics.add(error)
            }
        }
        return overrides
    }

    /// A value from the command line or the environment (`--var`, `BATCHCTL_VAR_*`), by one rule:
    /// - text that starts with `[` or `{` is a YAML flow sequence or mapping (`[eu, us]`, `{"k":1}`), read whole;
    /// - text that starts with `"` or `'` is a quoted YAML scalar (`"007"` is the text 007);
    /// - empty text is null;
    /// - anything else is one plain scalar, resolved by the core schema over the whole text: `8` is an integer,
    ///   `true` a boolean, `a: b` and `x # y` are text, as written.
    /// Tags, anchors and aliases are not read (a value starting with `!`, `&` or `*` is an error: quote it to mean
    /// the text), so `!include` never reads a file from a flag; YAML that does not parse is an error, never text.
    static func externalValue(_ text: String, displayName: String, loader: Loader) throws(Diagnostic) -> Node {
        let location = SourceLocation(file: displayName, line: 1, column: 1)
        guard let first = text.unicodeScalars.first else {
            return Node(content: .scalar(Scalar(text: "", style: .plain, value: .null)), location: location, tag: nil)
        }
        switch first {
        case "!", "&", "*":
            throw Diagnostic.error(location, "\(displayName): a value starting with '\(first)' would be a YAML tag, anchor or alias, which are not read here; quote it (\\\"\(text.prefix(20))\\\") to mean the text")
        case "[", "{", "\"", "'":
            // Checked before parsing: the loader would follow an `!include` as it reads.
            if let marker = Self.nodeProperty(in: text) {
                throw Diagnostic.error(location, "\(displayName): '\(marker)' starts a YAML tag, anchor or alias, which are not read in a value given from outside the manifests; quote that item to mean the text")
            }
            let file: YAMLFile
            do {
                file = try loader.load(text: text, file: displayName)
            } catch {
                let kind = first == "[" || first == "{" ? "flow sequence or mapping" : "quoted scalar"
                throw Diagnostic.error(location, "\(displayName): '\(text.prefix(40))' is not a YAML \(kind) (\(error.message)); quote the whole value to pass it as text")
            }
            guard file.documents.count == 1, let node = file.documents.first else {
                throw Diagnostic.error(location, "\(displayName): '\(text.prefix(40))' is more than one YAML value; quote it to pass it as text")
            }
            if let problem = Self.tagOrAnchor(in: node) {
                throw Diagnostic.error(location, "\(displayName): \(problem) is not read in a value given from outside the manifests")
            }
            return node
        default:
            return Node(content: .scalar(Scalar.plain(text)), location: location, tag: nil)
        }
    }

    /// The first `!`, `&` or `*` outside quotes where YAML reads a node property (at the start of a node: after
    /// the start, a space, `[`, `{`, `,` or `:`), or nil.
    static func nodeProperty(in text: String) -> Character? {
        var quote: Character?
        var previous: Character = " "
        var escaped = false
        for character in text {
            if let open = quote {
                if open == "\"" && character == "\\" && !escaped {
                    escaped = true
                    continue
                }
                if character == open && !escaped { quote = nil }
                escaped = false
            } else if character == "\"" || character == "'" {
                quote = character
            } else if "!&*".contains(character) && " \t[{,:".contains(previous) {
                return character
            }
            previous = character
        }
        return nil
    }

    /// A tag anywhere in the node, as text for the message; nil when there is none.
    private static func tagOrAnchor(in node: Node) -> String? {
        if let tag = node.tag { return "the tag \(tag)" }
        switch node.content {
        case .scalar: return nil
        case .sequence(let items): return items.lazy.compactMap(tagOrAnchor).first
        case .mapping(let pairs): return pairs.lazy.compactMap { tagOrAnchor(in: $0.key) ?? tagOrAnchor(in: $0.value) }.first
        }
    }

    private static func resolveMoves(_ nodes: [(set: String, node: Node)], tasks: [DesiredTask], diagnostics: DiagnosticCollector) -> [Move] {
        guard !nodes.isEmpty else { return [] }
        let addresses = Set(tasks.map(\.address))
        var moves: [Move] = []
        var seenFrom: [String: SourceLocation] = [:]
        for (set, node) in nodes {
            guard let from = node["from"]?.scalar?.text, let to = node["to"]?.scalar?.text else {
                diagnostics.error(node.location, "a moved entry needs both from and to: {from: old-key, to: new-key}")
                continue
            }
            if let pairs = node.mappingPairs {
                for pair in pairs where MoveKey(rawValue: pair.key.scalar?.text ?? "") == nil {
                    diagnostics.error(pair.key.location, "unknown key '\(pair.key.scalar?.text ?? "")' in a moved entry (known: \(MoveKey.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            let fromAddress = TaskAddress.address(from, inSet: set)
            let toAddress = TaskAddress.address(to, inSet: set)
            if !addresses.contains(toAddress) {
                // `when` may drop the task in this environment; the move still applies where it exists.
                diagnostics.warning(node["to"]?.location ?? node.location,
                                    "moved to '\(toAddress)', but no task has that address now\(Suggestion.hint(for: toAddress, in: addresses))")
            }
            if addresses.contains(fromAddress) {
                diagnostics.error(node["from"]?.location ?? node.location,
                                  "moved from '\(fromAddress)', but a task still has that address; a move carries an old address to a new one")
                continue
            }
            if let first = seenFrom[fromAddress] {
                diagnostics.error(node.location, "'\(fromAddress)' is moved twice", notes: ["first moved at \(first)"])
                continue
            }
            seenFrom[fromAddress] = node.location
            moves.append(Move(from: fromAddress, to: toAddress, location: node.location))
        }
        return moves
    }

    /// Each entry's `to` as an address of a task of the manifests; an address or an id imported twice is an error.
    private static func resolveImports(_ entries: [(set: String, entry: ImportExpander.Written)], tasks: [DesiredTask],
                                       diagnostics: DiagnosticCollector) -> [ImportEntry] {
        guard !entries.isEmpty else { return [] }
        let addresses = Set(tasks.map(\.address))
        var imports: [ImportEntry] = []
        var seenAddress: [String: SourceLocation] = [:]
        var seenId: [Int32: SourceLocation] = [:]
        for (set, written) in entries {
            let address = TaskAddress.address(written.to, inSet: set)
            guard addresses.contains(address) else {
                diagnostics.error(written.toLocation, "import to '\(address)', but no task of the manifests has that address\(Suggestion.hint(for: address, in: addresses))")
                continue
            }
            if let first = seenAddress[address] {
                diagnostics.error(written.location, "'\(address)' is imported twice", notes: ["first imported at \(first)"])
                continue
            }
            if case .id(let id) = written.source {
                if let first = seenId[id] {
                    diagnostics.error(written.location, "task \(id) is imported twice (to \(address) here)", notes: ["first imported at \(first)"])
                    continue
                }
                seenId[id] = written.location
            }
            seenAddress[address] = written.location
            imports.append(ImportEntry(address: address, source: written.source, location: written.location))
        }
        return imports
    }
}
