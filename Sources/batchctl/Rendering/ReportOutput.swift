import ArgumentParser
import DesiredTasks
import Foundation
import Manifest
import Planning

/// The `--output` of `plan` and `drift`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, github

    var diagnostics: DiagnosticFormat { self == .github ? .github : .text }
}

/// Plans and drift reports as markdown and as workflow commands, the way `plan` and `drift` print them.
enum ReportOutput {
    /// The plan as a pull-request comment.
    static func markdown(_ plan: Plan, desired: [DesiredTask]) -> String {
        MarkdownRendering.plan(plan, provenance: .init(manifestDigest: Planner.digest(desired), stateSerial: plan.stateSerial),
                               fullCommand: commandShowingEverything())
    }

    /// The text plan in a collapsed group of the job log, an annotation per change, and the markdown plan in the
    /// job summary.
    static func github(_ plan: Plan, desired: [DesiredTask]) throws {
        var output = BufferedOutput()
        output.append("::group::\(GitHubRendering.escapeData(plan.summaryLine))\n")
        output.append(PlanRendering.text(plan, style: Style(enabled: false)))
        output.append("::endgroup::\n")
        output.append(GitHubRendering.plan(plan, sources: GitHubRendering.sources(desired)))
        output.flush()
        try GitHubRendering.appendToStepSummary(markdown(plan, desired: desired))
    }

    static func markdown(_ report: DriftReport, desired: [DesiredTask], stateSerial: Int?) -> String {
        MarkdownRendering.drift(report, provenance: .init(manifestDigest: Planner.digest(desired), stateSerial: stateSerial),
                                fullCommand: commandShowingEverything())
    }

    static func github(_ report: DriftReport, desired: [DesiredTask], stateSerial: Int?) throws {
        var output = GitHubRendering.drift(report.items, sources: GitHubRendering.sources(desired))
        output += GitHubRendering.command(.notice, [("title", "batchctl drift")], driftSummary(report))
        Terminal.out(output)
        try GitHubRendering.appendToStepSummary(markdown(report, desired: desired, stateSerial: stateSerial))
    }

    static func driftSummary(_ report: DriftReport) -> String {
        let managed = report.managed
        if report.items.isEmpty {
            return "No drift: the \(managed) managed task\(managed == 1 ? "" : "s") match what was applied."
        }
        return "Drift: \(report.modified) modified, \(report.missing) missing, of \(managed) managed tasks."
    }

    /// This run's command line as text output shows it: without `--output` and `--out`, each word quoted for a
    /// POSIX shell where it needs to be.
    static func commandShowingEverything(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        var words = ["batchctl"]
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if ["-o", "--output", "--out"].contains(argument) {
                skipNext = true
                continue
            }
            if argument.hasPrefix("--output=") || argument.hasPrefix("--out=") || (argument.hasPrefix("-o") && !argument.hasPrefix("--")) {
                continue
            }
            words.append(shellQuoted(argument))
        }
        return words.joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./=:,@%+".unicodeScalars.contains(scalar))
        }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
