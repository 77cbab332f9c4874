import Foundation
import Reconcile
import Synchronization

/// Shows an apply's progress: a bar with counts, rate and ETA on a terminal; one line per finished action otherwise.
final class ApplyProgress: ApplyObserver {
    private struct Counts {
        var succeeded = 0, failed = 0, skipped = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
    }

    private let counts = Mutex(Counts())
    private let interactive: Bool
    private let style: Style
    private let start = ContinuousClock.now
    private let verb: String

    init(verb: String) {
        interactive = Terminal.isTerminal(2)
        style = Style(enabled: Terminal.usesColor(2))
        self.verb = verb
    }

    func started(total: Int) {
        if total > 0 && interactive { draw(completed: 0, total: total, force: true) }
    }

    func finished(_ outcome: ActionOutcome, completed: Int, total: Int) {
        counts.withLock { c in
            switch outcome.status {
            case .succeeded: c.succeeded += 1
            case .failed: c.failed += 1
            case .skipped: c.skipped += 1
            }
        }
        let problem: Bool
        if case .succeeded = outcome.status { problem = false } else { problem = true }
        if !interactive || problem {
            let line = Self.line(outcome, style: style)
            Terminal.err((interactive ? "\r\u{1B}[2K" : "") + line + "\n")
        }
        if interactive { draw(completed: completed, total: total, force: completed == total || problem) }
    }

    /// `created nightly/import-eu-01 (id 685)`, `failed nightly/x: 500 ...`.
    static func line(_ outcome: ActionOutcome, style: Style) -> String {
        let id = outcome.id.map { " (id \($0))" } ?? ""
        let detail = outcome.detail.flatMap { $0.isEmpty ? nil : "  \($0)" } ?? ""
        switch outcome.status {
        case .succeeded:
            return "\(pastTense(outcome.kind.rawValue)) \(outcome.address)\(id)\(detail)"
        case .failed(let why):
            return style.red("failed") + " \(outcome.kind.rawValue) \(outcome.address)\(id): \(why)"
        case .skipped(let why):
            return style.yellow("skipped") + " \(outcome.kind.rawValue) \(outcome.address): \(why)"
        }
    }

    private static func pastTense(_ verb: String) -> String {
        switch verb {
        case "create": return "created"
        case "update": return "updated"
        case "replace": return "replaced"
        case "delete": return "deleted"
        case "move": return "moved"
        default: return "waited for"
        }
    }

    private func draw(completed: Int, total: Int, force: Bool) {
        let snapshot: Counts? = counts.withLock { c in
            let now = ContinuousClock.now
            guard force || now - c.lastDraw >= .milliseconds(100) else { return nil }
            c.lastDraw = now
            return c
        }
        guard let c = snapshot else { return }
        let elapsed = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let width = 30
        let filled = total > 0 ? min(width, completed * width / total) : width
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let eta = rate > 0 && completed < total ? String(format: ", ETA %.0fs", Double(total - completed) / rate) : ""
        var text = "\r\u{1B}[2K\(verb) [\(bar)] \(completed)/\(total)  ok \(c.succeeded)"
        if c.failed > 0 { text += ", " + style.red("failed \(c.failed)") }
        if c.skipped > 0 { text += ", skipped \(c.skipped)" }
        text += String(format: "  %.0f/s", rate) + eta
        if completed == total { text += "\n" }
        Terminal.err(text)
    }
}
