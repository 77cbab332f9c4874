import ArgumentParser
import DesiredTasks
import Diagnostics
import Foundation
import Manifest

/// Where manifests come from, the values given for their vars, and which task sets to read them for.
struct ManifestInput: ParsableArguments {
    @Option(name: [.short, .customLong("file")], help: ArgumentHelp(
        "A manifest file or directory, read recursively (repeatable; default: the project's manifests, or .).",
        valueName: "PATH"))
    var files: [String] = []

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a var for every set that declares it; the value is read as YAML.", valueName: "NAME=VALUE"))
    var vars: [String] = []

    @Option(name: .customLong("var-file"), help: ArgumentHelp("A YAML mapping of var values (repeatable; later files win).", valueName: "PATH"))
    var varFiles: [String] = []

    @Option(name: .customLong("selector"), help: ArgumentHelp("Only sets with this label (repeatable; all must match).", valueName: "KEY=VALUE"))
    var selectors: [String] = []

    @Flag(name: .customLong("allow-include-outside"), help: "Let !include reach files outside the working directory.")
    var allowIncludeOutside = false

    @Option(name: .customLong("max-tasks"), help: "The most tasks one task entry may expand to.")
    var maxTasks = 1_000_000

    @Option(name: .customLong("max-dependency-edges"), help: "The most dependency edges the dependsOn of all tasks may make together.")
    var maxDependencyEdges = 1_000_000

    func validate() throws {
        for assignment in vars where !assignment.contains("=") || assignment.hasPrefix("=") {
            throw ValidationError("--var takes NAME=VALUE, not '\(assignment)'")
        }
        if maxTasks < 1 { throw ValidationError("--max-tasks must be at least 1") }
        if maxDependencyEdges < 1 { throw ValidationError("--max-dependency-edges must be at least 1") }
        for selector in selectors where !selector.contains("=") || selector.hasPrefix("=") {
            throw ValidationError("--selector takes KEY=VALUE, not '\(selector)'")
        }
    }

    /// True when a flag names manifests or sets, rather than the project's defaults standing in.
    var isGiven: Bool { !files.isEmpty || !selectors.isEmpty }

    func options(project: Project, explain: String? = nil) -> ManifestOptions {
        var options = ManifestOptions(project: project)
        if !files.isEmpty {
            options.paths = files
            options.manifestPathLocations = [:]
        }
        options.varFiles = varFiles
        options.vars = vars.map { assignment in
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        options.environment = ProcessInfo.processInfo.environment
        options.allowIncludeOutside = allowIncludeOutside
        options.maxTasks = maxTasks
        options.maxDependencyEdges = maxDependencyEdges
        options.explain = explain
        return options
    }

    /// Loads and expands the manifests; prints the diagnostics; fails with exit code 1 on any error.
    func expand(project: Project, explain: String? = nil, format: DiagnosticFormat = .text) throws -> ExpansionResult {
        let result = ManifestEngine.expand(options(project: project, explain: explain))
        DiagnosticPrinter.print(result.diagnostics, format: format)
        if result.hasErrors { throw ExitCode.failure }
        return result
    }
}
