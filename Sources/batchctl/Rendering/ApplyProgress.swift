import Foundation
import Reconcile
import Synchronization

/// Shows an apply's progress: a bar with counts, rate and ETA on a terminal; one line per finished action otherwise.
final class ApplyProgress: ApplyObserver {
    private struct Counts {
        var succeeded = 0, failed = 0, skipped = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
        /// Lines not yet written: one write(2) per line was a tenth of a fast apply's time.
        var pending: [UInt8] = []
        var lastWrite = ContinuousClock.now
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
        let problem: Bool
        if case .succeeded = outcome.status { problem = false } else { problem = true }
        let line = !interactive || problem ? Self.line(outcome, style: style) : nil
        let ready: [UInt8]? = counts.withLock { c in
            switch outcome.status {
            case .succeeded: c.succeeded += 1
            case .failed: c.failed += 1
            case .skipped: c.skipped += 1
            }
            guard let line else { return nil }
            if interactive { c.pending += "\r\u{1B}[2K".utf8 }
            c.pending += line.utf8
            c.pending.append(0x0A)
            // Problems show at once; other lines go out in batches, at least every tenth of a second.
            let now = ContinuousClock.now
            guard problem || c.pending.count >= 1 << 16 || now - c.lastWrite >= .milliseconds(100) else { return nil }
            c.lastWrite = now
            defer { c.pending.removeAll(keepingCapacity: true) }
            return c.pending
        }
        if let ready { Terminal.write(ready, to: 2) }
        if interactive { draw(completed: completed, total: total, force: completed == total || problem) }
    }

    func ended() {
        let rest = counts.withLock { c in
            defer { c.pending.removeAll() }
            return c.pending
        }
        if !rest.isEmpty { Terminal.write(rest, to: 2) }
    }

    /// `created nightly/import-eu-01 (id 685)`, `failed nightly/x: 500 ...`.
    static func line(_ outcome: ActionOutcome, style: Style) -> String {
        let id = outcome.id.map { " (id \($0))" } ?? ""
        // A failure's words may be a server's (an error body, a job's Result): escaped for the terminal.
        let detail = outcome.detail.flatMap { $0.isEmpty ? nil : "  \(TerminalText.escape($0))" } ?? ""
        switch outcome.status {
        case .succeeded:
            return "\(pastTense(outcome.kind.rawValue)) \(outcome.address)\(id)\(detail)"
        case .failed(let why):
            return style.red("failed") + " \(outcome.kind.rawValue) \(outcome.address)\(id): \(TerminalText.escape(why))"
        case .skipped(let why):
            return style.yellow("skipped") + " \(outcome.kind.rawValue) \(outcome.address): \(TerminalText.escape(why))"
        }
    }

    private static func pastTense(_ verb: String) -> String {
        switch verb {
        case "create": return "created"
        case "update": return "updated"
        case "replace": return "replaced"
        case "delete": return "deleted"
        case "move": return "moved"
        case "import": return "imported"
        case "run": return "started a new run of"
        case "schedule": return "scheduled"
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
