import JSON
import Planning

/// A plan as text: terraform's symbols, one block per action, field by field, then the summary line. Every value,
/// address and reason is escaped for the terminal (`TerminalText`), as `render` and `status` show them.
enum PlanRendering {
    static func text(_ plan: Plan, style: Style, showFieldsOfCreates: Bool = true) -> String {
        var out = ""
        // By index, so that the no-ops (every unchanged task) are skipped without a copy.
        for index in plan.actions.indices where plan.actions[index].kind != .noop {
            let action = plan.actions[index]
            let id = action.id.map { " (id \($0))" } ?? ""
            var line = "  \(colored(action.kind.symbol, action.kind, style)) \(style.bold(TerminalText.escape(action.address)))\(id)"
            if action.kind == .replace && action.createBeforeDestroy { line += style.dim("  create before destroy") }
            if let reason = action.reason { line += style.dim("  # \(TerminalText.escape(reason))") }
            out += line + "\n"
            if action.kind == .create && !showFieldsOfCreates { continue }
            for change in action.changes {
                out += "      \(change.field.rawValue): " + describe(change, kind: action.kind) + "\n"
            }
        }
        out += PendingRendering.holds(plan, style: style)
        out += PendingRendering.section(plan, style: style)
        if !plan.unscheduled.isEmpty {
            out += "\nScheduled but never run, and no longer scheduled (the state forgets them):\n"
            for address in plan.unscheduled { out += "  \(TerminalText.escape(address))\n" }
        }
        if !plan.orphans.isEmpty {
            out += "\nIn the state but no longer in the manifests (plan --prune deletes them):\n"
            for orphan in plan.orphans { out += "  \(TerminalText.escape(orphan.address)) (id \(orphan.id))\n" }
        }
        if !plan.drift.isEmpty {
            out += "\nChanged on the server since it was applied:\n"
            out += DriftRendering.text(plan.drift, style: style)
        }
        // The scheduled tasks the actions above do not already name.
        var named = Set<String>()
        for index in plan.actions.indices where plan.actions[index].kind == .schedule || plan.actions[index].kind == .run {
            named.insert(plan.actions[index].address)
        }
        let scheduled = plan.schedules.filter { !named.contains($0.address) }
        if !scheduled.isEmpty {
            out += "\nScheduled (they run when due, with `batchctl run --due`):\n"
            out += RunRendering.scheduleLines(scheduled, style: style)
        }
        if !out.isEmpty { out += "\n" }
        out += style.bold(plan.summaryLine) + "\n"
        return out
    }

    static func describe(_ change: FieldChange, kind: ActionKind) -> String {
        switch (change.before, change.after) {
        case (nil, let after?): return show(after)
        case (let before?, nil): return show(before) + " -> (removed)"
        case (let before?, let after?): return show(before) + " -> " + show(after)
        case (nil, nil): return "(none)"
        }
    }

    /// A value as JSON, cut to 200 characters, its control and bidirectional characters escaped: it may be a
    /// server's (drift), and reaches terminals, annotations and comments.
    static func show(_ value: JSONValue) -> String {
        let text = value.serialized()
        return TerminalText.escape(text.count > 200 ? String(text.prefix(197)) + "..." : text)
    }

    private static func colored(_ symbol: String, _ kind: ActionKind, _ style: Style) -> String {
        switch kind {
        case .create: return style.green(symbol)
        case .update, .move, .import, .run, .schedule: return style.yellow(symbol)
        case .replace, .delete: return style.red(symbol)
        case .noop: return symbol
        }
    }
}

/// Drift as text: modified fields before (as applied) -> after (as the server has them), and missing tasks.
enum DriftRendering {
    static func text(_ drift: [DriftItem], style: Style) -> String {
        var out = ""
        for item in drift {
            switch item.kind {
            case .missing:
                out += "  \(style.red("!")) \(style.bold(TerminalText.escape(item.address))) (id \(item.id))  missing from the API\n"
            case .modified:
                out += "  \(style.yellow("~")) \(style.bold(TerminalText.escape(item.address))) (id \(item.id))  modified\n"
                for change in item.changes {
                    out += "      \(change.field.rawValue): " + PlanRendering.describe(change, kind: .update) + "\n"
                }
            }
        }
        return out
    }
}
