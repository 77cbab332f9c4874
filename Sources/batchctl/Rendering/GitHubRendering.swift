import DesiredTasks
import Diagnostics
import Foundation
import Manifest
import Planning

/// GitHub Actions workflow commands (`::error file=F,line=L,col=C::message`): the runner turns each into an
/// annotation on the line it names.
enum GitHubRendering {
    enum Level: String {
        case error, warning, notice
    }

    /// One workflow command line, its properties in the order given.
    static func command(_ level: Level, _ properties: [(String, String)] = [], _ message: String) -> String {
        var line = "::" + level.rawValue
        if !properties.isEmpty {
            line += " " + properties.map { $0.0 + "=" + escapeProperty($0.1) }.joined(separator: ",")
        }
        return line + "::" + escapeData(message) + "\n"
    }

    /// A message: `%`, CR and LF are percent-encoded, as the runner decodes them.
    static func escapeData(_ text: String) -> String {
        escape(text, alsoSeparators: false)
    }

    /// A property value: as a message, and `:` and `,` too, which would end the value.
    static func escapeProperty(_ text: String) -> String {
        escape(text, alsoSeparators: true)
    }

    private static func escape(_ text: String, alsoSeparators: Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out.append(contentsOf: "%25".unicodeScalars)
            case "\r": out.append(contentsOf: "%0D".unicodeScalars)
            case "\n": out.append(contentsOf: "%0A".unicodeScalars)
            case ":" where alsoSeparators: out.append(contentsOf: "%3A".unicodeScalars)
            case "," where alsoSeparators: out.append(contentsOf: "%2C".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The `file`, `line` and `col` properties of a position. GitHub resolves `file` against the repository
    /// checkout, so a path is made relative to `GITHUB_WORKSPACE` when it lies inside it.
    static func position(_ location: SourceLocation?) -> [(String, String)] {
        guard let location else { return [] }
        return [("file", workspacePath(location.file)), ("line", String(location.line)), ("col", String(location.column))]
    }

    static func workspacePath(_ file: String) -> String {
        guard let workspace = ProcessInfo.processInfo.environment["GITHUB_WORKSPACE"], !workspace.isEmpty else { return file }
        let current = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: current, isDirectory: true))
            .standardizedFileURL.path
        let root = URL(fileURLWithPath: workspace, isDirectory: true).standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    /// Every diagnostic, errors as `::error`, warnings as `::warning`; notes join the message on lines of their own.
    static func diagnostics(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for diagnostic in diagnostics {
            // A flag or an environment variable is no file to annotate: its name leads the message instead.
            let named = diagnostic.location.flatMap { $0.isNamedPlace ? $0.file + ": " : nil }
            let message = ([(named ?? "") + diagnostic.message] + diagnostic.notes.map { "note: " + $0 }).joined(separator: "\n")
            out += command(diagnostic.isError ? .error : .warning, named == nil ? position(diagnostic.location) : [], message)
        }
        return out
    }

    /// One annotation per action that changes something and per drifted task, at its task entry; the orphans and
    /// the summary line as notices.
    static func plan(_ plan: Plan, sources: [String: SourceLocation]) -> String {
        var out = ""
        for action in plan.actions where action.kind != .noop {
            let level: Level = action.kind == .replace || action.kind == .delete ? .warning : .notice
            var properties = position(sources[action.address])
            properties.append(("title", "batchctl plan: \(action.kind.rawValue) \(action.address)"))
            var message = "\(action.kind.symbol) \(action.kind.rawValue) \(action.address)"
            if let id = action.id { message += " (id \(id))" }
            if let from = action.movedFrom { message += " from \(from)" }
            if let reason = action.reason { message += ": \(reason)" }
            for change in action.changes {
                message += "\n\(change.field.rawValue): " + PlanRendering.describe(change, kind: action.kind)
            }
            out += command(level, properties, message)
        }
        out += drift(plan.drift, sources: sources)
        for orphan in plan.orphans {
            out += command(.notice, [("title", "batchctl plan: orphan \(orphan.address)")],
                           "\(orphan.address) (id \(orphan.id)) is in the state but no longer in the manifests; plan --prune deletes it")
        }
        out += command(.notice, [("title", "batchctl plan")], plan.summaryLine)
        return out
    }

    /// One warning per drifted task, at its task entry where the manifests still have it.
    static func drift(_ items: [DriftItem], sources: [String: SourceLocation]) -> String {
        var out = ""
        for item in items {
            var properties = position(sources[item.address])
            properties.append(("title", "batchctl drift: \(item.address) \(item.kind.rawValue)"))
            var message: String
            switch item.kind {
            case .missing:
                message = "\(item.address) (id \(item.id)) is missing from the API"
            case .modified:
                message = "\(item.address) (id \(item.id)) was changed on the server since it was applied"
                for change in item.changes {
                    message += "\n\(change.field.rawValue): " + PlanRendering.describe(change, kind: .update)
                }
            }
            out += command(.warning, properties, message)
        }
        return out
    }

    /// The task entries of the desired tasks, by address.
    static func sources(_ tasks: [DesiredTask]) -> [String: SourceLocation] {
        var sources: [String: SourceLocation] = [:]
        sources.reserveCapacity(tasks.count)
        for task in tasks { sources[task.address] = task.source }
        return sources
    }

    /// Appends `markdown` to the file `GITHUB_STEP_SUMMARY` names, when it names one: the job's summary page.
    static func appendToStepSummary(_ document: @autoclosure () -> String) throws {
        guard let path = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        let markdown = document()
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CommandFailure("cannot write the step summary \(path)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandFailure("cannot write the step summary \(path)")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((markdown.hasSuffix("\n") ? markdown : markdown + "\n").utf8))
        } catch {
            throw CommandFailure("cannot write the step summary \(path): \(error.localizedDescription)")
        }
    }
}
