import JSON
import Planning

/// Plans and drift reports as GitHub-flavoured markdown, for a pull-request comment or a job summary: the summary
/// line, a table of counts, then one collapsible block per entry, and what the plan was made from.
///
/// GitHub refuses a comment longer than 65,536 characters. The text is kept to that many UTF-8 bytes (never fewer
/// bytes than characters, however they are counted): entries are kept in order while they fit, and the rest are
/// counted, with the command that shows them all.
enum MarkdownRendering {
    static let limit = 65_536

    /// What the document was made from, shown at its end.
    struct Provenance {
        var manifestDigest: String?
        var stateSerial: Int?

        var line: String {
            var parts: [String] = []
            if let manifestDigest { parts.append("manifest digest <code>\(escape(manifestDigest))</code>") }
            parts.append(stateSerial.map { "state serial \($0)" } ?? "no state yet")
            return "<sub>" + parts.joined(separator: " · ") + "</sub>\n"
        }
    }

    static func plan(_ plan: Plan, provenance: Provenance, fullCommand: String, limit: Int = limit) -> String {
        var head = "**\(plan.summaryLine)**\n\n"
        if plan.hasChanges {
            head += "| action | tasks |\n| --- | ---: |\n"
            // Imports are a row only in plans that have them, so the others read as they always did.
            for kind in ActionKind.allCases where kind != .import || plan.count(.import) > 0 {
                let symbol = kind == .noop ? "" : "<code>\(escape(kind.symbol))</code> "
                head += "| \(symbol)\(kind.rawValue) | \(plan.count(kind)) |\n"
            }
            head += "\n"
        }
        let actions = plan.changes
        let sections = [
            Section(title: "Actions", one: "action", many: "actions", count: actions.count) { entry(actions[$0]) },
            Section(title: "Changed on the server since it was applied", one: "drifted task", many: "drifted tasks",
                    count: plan.drift.count) { entry(plan.drift[$0]) },
            Section(title: "In the state but no longer in the manifests", one: "orphan", many: "orphans",
                    count: plan.orphans.count) { orphan(plan.orphans[$0]) },
        ]
        return fit(head: head, sections: sections, tail: provenance.line, fullCommand: fullCommand, limit: limit)
    }

    static func drift(_ report: DriftReport, provenance: Provenance, fullCommand: String, limit: Int = limit) -> String {
        var head: String
        if report.items.isEmpty {
            head = "**No drift: the \(report.managed) managed task\(report.managed == 1 ? "" : "s") match what was applied.**\n\n"
        } else {
            head = "**Drift: \(report.modified) modified, \(report.missing) missing, of \(report.managed) managed tasks.**\n\n"
            head += "| drift | tasks |\n| --- | ---: |\n"
            head += "| <code>~</code> modified | \(report.modified) |\n| <code>!</code> missing | \(report.missing) |\n\n"
        }
        let items = report.items
        let sections = [
            Section(title: "Drift", one: "drifted task", many: "drifted tasks", count: items.count) { entry(items[$0]) },
        ]
        return fit(head: head, sections: sections, tail: provenance.line, fullCommand: fullCommand, limit: limit)
    }

    // MARK: - Fitting under the limit

    private struct Section {
        var title: String
        var one: String
        var many: String
        var count: Int
        var entry: (Int) -> String

        func noun(_ n: Int) -> String { "\(n) \(n == 1 ? one : many)" }
    }

    private static func fit(head: String, sections: [Section], tail: String, fullCommand: String, limit: Int) -> String {
        // The note on what was left out is longest when everything is; reserving that much keeps any note in budget.
        let reserve = omission(sections.map(\.count), sections: sections, fullCommand: fullCommand, limit: limit).utf8.count
        let budget = limit - head.utf8.count - tail.utf8.count - reserve
        var body = ""
        var used = 0
        var full = false
        var leftOut = sections.map(\.count)
        for (index, section) in sections.enumerated() where section.count > 0 && !full {
            var included = 0
            for position in 0..<section.count {
                var piece = section.entry(position)
                if included == 0 { piece = "### \(section.title)\n\n" + piece }
                let size = piece.utf8.count
                if used + size > budget {
                    full = true
                    break
                }
                body += piece
                used += size
                included += 1
            }
            leftOut[index] = section.count - included
        }
        var text = head + body
        if leftOut.contains(where: { $0 > 0 }) {
            text += omission(leftOut, sections: sections, fullCommand: fullCommand, limit: limit)
        }
        text += tail
        return text.utf8.count <= limit ? text : clipped(text, to: limit)
    }

    /// `_1,234 actions and 2 orphans are left out ...; `batchctl plan` shows them all._`
    private static func omission(_ counts: [Int], sections: [Section], fullCommand: String, limit: Int) -> String {
        let parts = zip(sections, counts).filter { $0.1 > 0 }.map { $0.0.noun($0.1) }
        let list: String
        switch parts.count {
        case 0: list = "nothing"
        case 1: list = parts[0]
        default: list = parts.dropLast().joined(separator: ", ") + " and " + (parts.last ?? "")
        }
        return "<i>\(list) left out to keep this under \(limit) characters; <code>\(escape(fullCommand))</code> shows them all.</i>\n\n"
    }

    /// A last resort for a head too long to leave room for anything: whole lines, as many as fit.
    private static func clipped(_ text: String, to limit: Int) -> String {
        var out = ""
        var size = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let length = line.utf8.count + 1
            if size + length > limit { break }
            out += line + "\n"
            size += length
        }
        return out
    }

    // MARK: - Entries

    private static func entry(_ action: PlannedAction) -> String {
        var summary = "<code>\(escape(action.kind.symbol))</code> \(action.kind.rawValue) <b>\(escape(action.address))</b>"
        if let id = action.id { summary += " (id \(id))" }
        if let from = action.movedFrom { summary += " from <b>\(escape(from))</b>" }
        if action.kind == .replace && action.createBeforeDestroy { summary += ", create before destroy" }
        if let reason = action.reason { summary += ": \(escape(reason))" }
        return block(summary: summary, changes: action.changes, before: "before", after: "after")
    }

    private static func entry(_ item: DriftItem) -> String {
        switch item.kind {
        case .missing:
            return "<code>!</code> <b>\(escape(item.address))</b> (id \(item.id)): missing from the API\n\n"
        case .modified:
            let summary = "<code>~</code> <b>\(escape(item.address))</b> (id \(item.id)): modified"
            return block(summary: summary, changes: item.changes, before: "as applied", after: "on the server")
        }
    }

    private static func orphan(_ orphan: Orphan) -> String {
        "<b>\(escape(orphan.address))</b> (id \(orphan.id)): <code>plan --prune</code> deletes it\n\n"
    }

    /// A `<details>` block whose table lists the changes; a plain line when there are none.
    private static func block(summary: String, changes: [FieldChange], before: String, after: String) -> String {
        guard !changes.isEmpty else { return summary + "\n\n" }
        var text = "<details><summary>\(summary)</summary>\n\n| field | \(before) | \(after) |\n| --- | --- | --- |\n"
        for change in changes {
            text += "| \(escape(change.field.rawValue)) | \(cell(change.before, removed: false)) | \(cell(change.after, removed: change.before != nil)) |\n"
        }
        return text + "\n</details>\n\n"
    }

    private static func cell(_ value: JSONValue?, removed: Bool) -> String {
        guard let value else { return removed ? "<i>(removed)</i>" : "" }
        return "<code>\(escape(PlanRendering.show(value)))</code>"
    }

    // MARK: - Escaping

    /// Text that stays text wherever it is put: in a table cell, in inline HTML, in a `<summary>`. Every character
    /// that markdown or HTML reads as syntax (`|`, backticks, `<`, `*`, `@` mentions, `:` emoji, ...) becomes a
    /// character reference, line breaks become `<br>`, and other control characters U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": if previous != "\r" { out += "<br>" }
            case "\r": out += "<br>"
            case "|", "`", "\\", "*", "_", "[", "]", "~", "#", "@", ":", "$":
                out += "&#\(scalar.value);"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
