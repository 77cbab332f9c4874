import Foundation
import Planning
import Reconcile
import State

/// What `batchctl run` starts, and the scheduled tasks as `schedule` and `plan` list them.
enum RunRendering {
    /// The runs a `run` plan starts, then (with `--due`) what was missed and what is next.
    static func text(_ plan: Plan, due: Bool, style: Style) -> String {
        var out = ""
        for action in plan.actions where action.kind == .run || action.kind == .create || action.kind == .schedule {
            let after = action.id.map { " (after run \($0))" } ?? ""
            var line = "  \(style.yellow(action.kind.symbol)) \(style.bold(TerminalText.escape(action.address)))\(after)"
            if let reason = action.reason { line += style.dim("  # \(TerminalText.escape(reason))") }
            out += line + "\n"
            for change in action.changes where action.kind == .run {
                out += "      \(change.field.rawValue): " + PlanRendering.describe(change, kind: .update) + "\n"
            }
        }
        out += PendingRendering.holds(plan, style: style)
        out += PendingRendering.section(plan, style: style)
        if due {
            let missed = plan.schedules.filter { $0.missed > 0 }
            if !missed.isEmpty {
                out += "\nMissed (not run):\n"
                for task in missed {
                    out += "  \(TerminalText.escape(task.address)): \(missedText(task))\n"
                }
            }
        }
        let runs = plan.count(.run) + plan.count(.create)
        if !out.isEmpty { out += "\n" }
        if runs == 0 {
            // A suspended task starts nothing at its next slot, so it is not the next run.
            let next = plan.schedules.filter { $0.suspended == nil }.compactMap { task in task.next.map { (task.address, $0) } }
                .min { $0.1 < $1.1 }
            out += style.bold(due ? "No runs are due." : "No runs to start.")
            if due, let next, let task = plan.schedules.first(where: { $0.address == next.0 }) {
                out += " Next: \(next.0) at \(task.wallClock(next.1) ?? next.1)."
            }
            out += "\n"
        } else {
            out += style.bold("Starting \(runs) run\(runs == 1 ? "" : "s").") + "\n"
        }
        let known = plan.pending.count { !$0.isNew }
        if known > 0 { out += "Looking at \(known) pending run\(known == 1 ? "" : "s"): each starts once what it waits for Succeeded.\n" }
        let holds = plan.holds.count
        if holds > 0 { out += style.bold("Holding \(holds) run\(holds == 1 ? "" : "s") until what \(holds == 1 ? "it depends" : "they depend") on Succeeded.") + "\n" }
        return out
    }

    /// `batchctl schedule`: a table of every scheduled task.
    static func schedules(_ tasks: [ScheduledTask], now: Date, style: Style) -> String {
        guard !tasks.isEmpty else { return "No scheduled tasks (run.when: schedule) in the manifests.\n" }
        let rows = tasks.map { task in
            [task.address, task.cron, task.timeZone, task.wallClock(task.since) ?? "-",
             task.wallClock(task.dueSlot).map { "due now (\($0)\(catchUpText(task)))" } ?? task.wallClock(task.next) ?? "never",
             task.missed == 0 ? "" : missedText(task), standingText(task) ?? ""]
        }
        return TableRendering.render(header: ["ADDRESS", "SCHEDULE", "TIME ZONE", "SINCE", "NEXT", "MISSED", "RUNS"], rows: rows)
            + "\(tasks.count) scheduled, \(tasks.count { $0.dueSlot != nil }) due at \(Timestamp.string(now))\n"
    }

    /// One line per scheduled task, for the plan.
    static func scheduleLines(_ tasks: [ScheduledTask], style: Style) -> String {
        var out = ""
        for task in tasks {
            let when = task.wallClock(task.dueSlot).map { "due now (slot \($0)\(catchUpText(task)))" } ?? "next due \(task.wallClock(task.next) ?? "never")"
            var line = "  " + TerminalText.escape("\(task.address)  \(task.cron) \(task.timeZone)") + ": \(when)"
            if task.missed > 0 { line += style.dim("  # missed \(missedText(task))") }
            if let standing = standingText(task) { line += style.dim("  # \(TerminalText.escape(standing))") }
            out += line + "\n"
        }
        return out
    }

    /// `@ suspended (by ops@box: CRM upgrade)`, `retry 2/3 at 2026-12-02T02:05:00+01:00`, or nil.
    static func standingText(_ task: ScheduledTask) -> String? {
        var parts: [String] = []
        switch task.suspended {
        case .manifest?: parts.append("@ suspended (run.suspend in the manifest)")
        case .state(let suspension)?: parts.append("@ suspended (by \(suspension.by) at \(task.wallClock(suspension.at) ?? suspension.at): \(suspension.reason))")
        case nil: break
        }
        if let retry = task.retry { parts.append("\(retry.label) at \(task.wallClock(retry.at) ?? retry.at)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// What became of runs as they were settled, one line each: `retry jobs/import run 7 (attempt 1) failed; ...`.
    static func events(_ events: [RunEvent], style: Style) -> String {
        events.map { event in
            let word = String(event.trigger.rawValue.dropFirst("on-run-".count))
            let label: String
            switch event.trigger {
            case .succeeded: label = style.green(word)
            case .retry, .missed: label = style.yellow(word)
            case .failed, .timeout, .paused: label = style.red(word)
            }
            // A message may carry a job's Result: the server's words, escaped for the terminal.
            return "  \(label) \(TerminalText.escape(event.message))\n"
        }.joined()
    }

    /// `; 3 slots to catch up, the last 2026-12-02T03:00:00+01:00`: with `catchUp: all`, one starts each pass.
    static func catchUpText(_ task: ScheduledTask) -> String {
        guard task.catchUp.count > 1 else { return "" }
        return "; \(task.catchUp.count) slots to catch up, the last \(task.wallClock(task.catchUp.last) ?? "?")"
    }

    static func missedText(_ task: ScheduledTask) -> String {
        let count = task.missedIsLowerBound ? "at least \(task.missed)" : "\(task.missed)"
        let last = task.wallClock(task.lastMissed).map { ", the last at \($0)" } ?? ""
        return "\(count) slot\(task.missed == 1 ? "" : "s")\(last)"
    }
}
