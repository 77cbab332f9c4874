import Diagnostics
import Foundation
import YAML

/// Finds manifest files, loads them with the YAML loader and sorts their documents by kind.
struct ManifestSources {
    struct TaskSetDocument {
        var file: String
        var root: Node
    }

    var taskSets: [TaskSetDocument] = []
    var filesRead = 0

    /// Loads every manifest under `paths` (files, or directories read recursively in sorted order).
    static func load(paths: [String], locations: [String: SourceLocation] = [:], skipping skipped: Set<String>,
                     projectFile: String?, loader: Loader, diagnostics: DiagnosticCollector) -> ManifestSources {
        var sources = ManifestSources()
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                if let location = locations[path] {
                    diagnostics.error(location, "\(path): no such file or directory (named in the project's manifests)")
                } else {
                    diagnostics.error(nil, "\(path): no such file or directory (given as a manifest path)")
                }
                continue
            }
            if isDirectory.boolValue {
                files += yamlFiles(under: path)
            } else {
                files.append(path)
            }
        }
        let skippedPaths = Set(skipped.map(normalize))
        var unversioned: [(file: String, location: SourceLocation)] = []
        var seen = Set<String>()
        for file in files where seen.insert(normalize(file)).inserted && !skippedPaths.contains(normalize(file)) {
            let yaml: YAMLFile
            do {
                yaml = try loader.load(file: file)
            } catch {
                diagnostics.add(hinted(error))
                continue
            }
            sources.filesRead += 1
            var declared = false
            for document in yaml.documents {
                guard let apiVersion = document["apiVersion"] else { continue }
                declared = true
                guard case .scalar(let version) = apiVersion.content, version.text == DocumentKind.apiVersion else {
                    diagnostics.error(apiVersion.location, "unsupported apiVersion \((apiVersion.scalar?.text).map { "'\($0)'" } ?? "value"); this batchctl reads apiVersion: \(DocumentKind.apiVersion)")
                    continue
                }
                guard let kind = document["kind"] else {
                    diagnostics.error(document.location, "the document has no kind; add kind: TaskSet (or kind: Project in batchctl.yaml)")
                    continue
                }
                switch kind.scalar.flatMap({ DocumentKind(rawValue: $0.text) }) {
                case .taskSet:
                    sources.taskSets.append(TaskSetDocument(file: yaml.path, root: document))
                case .project:
                    if let projectFile, normalize(projectFile) == normalize(file) { continue }
                    diagnostics.warning(kind.location, "a Project document is read only from batchctl.yaml in the working directory; this one is ignored")
                case nil:
                    let text = kind.scalar?.text ?? ""
                    let kinds = DocumentKind.allCases.map(\.rawValue)
                    diagnostics.error(kind.location, "unknown kind '\(text)'\(Suggestion.hint(for: text, in: kinds)) (known kinds: \(kinds.joined(separator: ", ")))")
                }
            }
            if !declared {
                unversioned.append((yaml.path, SourceLocation(file: yaml.path, line: 1, column: 1)))
            }
        }
        let included = Set(loader.includedFiles.map(normalize))
        for (file, location) in unversioned where !included.contains(normalize(file)) {
            diagnostics.warning(location, "skipped \(file): no document in it declares apiVersion: batchctl/v1 (include it with !include, or move it out of the manifest directory)")
        }
        return sources
    }

    /// `*.yaml` and `*.yml` files below `directory`, in sorted order; hidden files and folders are passed over.
    static func yamlFiles(under directory: String) -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: directory) else { return [] }
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let path = directory == "." ? entry : (directory.hasSuffix("/") ? directory + entry : directory + "/" + entry)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                result += yamlFiles(under: path)
            } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                result.append(path)
            }
        }
        return result
    }

    static func normalize(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Two libyaml errors that `${...}` causes in plain scalars get a note: "mapping values are not allowed" is almost
    /// always the `: ` of a conditional expression or a map literal, and a flow-collection error is a `{` or `}` of
    /// `${...}` inside `[...]` or `{...}`.
    static func hinted(_ error: Diagnostic) -> Diagnostic {
        if error.message.contains("flow"), let location = error.location,
           let text = try? String(contentsOfFile: location.file, encoding: .utf8) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if location.line >= 1, location.line <= lines.count, lines[location.line - 1].contains("${") {
                var hinted = error
                hinted.notes.append("inside [...] or {...}, a plain scalar cannot hold '{' or '}': quote the scalar that holds ${...}, or write the mapping in block style")
                return hinted
            }
        }
        guard error.message.contains("mapping values are not allowed"), let location = error.location,
              let text = try? String(contentsOfFile: location.file, encoding: .utf8) else { return error }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return error }
        let before = lines[location.line - 1].prefix(max(0, location.column - 1))
        guard isInsideExpression(before) else { return error }
        var hinted = error
        hinted.notes.append("a ': ' inside ${...} ends a plain YAML scalar: write a conditional as `c ? a :b` and a map as `{\"k\":v}` (no space after ':'), or quote the whole scalar (which makes it text)")
        return hinted
    }

    /// Whether the end of `text` is inside a `${...}` that is still open, counting the braces of map literals.
    private static func isInsideExpression(_ text: Substring) -> Bool {
        var depth = 0
        var previous: Character?, beforePrevious: Character?
        for c in text {
            if depth == 0 {
                if c == "{" && previous == "$" && beforePrevious != "$" { depth = 1 }  // `$${` is a literal `${`
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                depth -= 1
            }
            (beforePrevious, previous) = (previous, c)
        }
        return depth > 0
    }
}
