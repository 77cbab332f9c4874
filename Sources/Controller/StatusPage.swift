import Foundation
import State

/// The status page at `/`: one HTML document, no script, that refreshes itself (`<meta http-equiv="refresh">`).
public enum StatusPage {
    /// `refresh`: seconds between reloads.
    public static func html(_ status: ControllerStatus, refresh: Int) -> String {
        let sets = status.sets
        let outOfSync = sets.count { $0.sync != .synced }
        let unhealthy = sets.count { $0.health != .healthy }
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="refresh" content="\(max(1, refresh))">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>batchctl controller: \(escape(status.workspace))</title>
            <style>
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
            h1 { font-size: 1.4rem; margin-bottom: .2rem; }
            p.meta { color: #555; margin-top: 0; }
            table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
            th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #dde1e8; vertical-align: top; }
            th { font-weight: 600; background: #f4f6f9; }
            .badge { display: inline-block; padding: .05rem .5rem; border-radius: .8rem; font-size: .85rem; font-weight: 600; }
            .Synced, .Healthy, .success { background: #d8f3e1; color: #15603a; }
            .OutOfSync, .Progressing { background: #fff1c9; color: #7a5400; }
            .Degraded, .Missing, .failure { background: #fbdada; color: #8c1c1c; }
            .Unknown { background: #e6e8ec; color: #444; }
            code { font-size: .9em; }
            ul.events { list-style: none; padding: 0; }
            ul.events li { padding: .2rem 0; border-bottom: 1px solid #eef0f3; }
            .time { color: #666; font-variant-numeric: tabular-nums; }
            </style>
            </head>
            <body>
            <h1>batchctl controller</h1>
            <p class="meta">Workspace <code>\(escape(status.workspace))</code> on <code>\(escape(status.endpoint))</code>,
            state <code>\(escape(status.stateDescription))</code>. \(escape(leadership(status))) \(escape(status.mode)).
            Every \(escape(interval(status.interval))).</p>

            """
        page += "<p><strong>\(sets.count) task set\(sets.count == 1 ? "" : "s")</strong>: \(sets.count - outOfSync) synced, \(outOfSync) out of sync or unknown; \(sets.count - unhealthy) healthy.</p>\n"
        page += lastCycle(status)
        page += "<h2>Task sets</h2>\n"
        if sets.isEmpty {
            page += "<p>No task sets yet.</p>\n"
        } else {
            page += "<table>\n<thead><tr><th>Set</th><th>Sync</th><th>Health</th><th>Tasks</th><th>By state</th><th>Planned</th><th>Drifted</th></tr></thead>\n<tbody>\n"
            for set in sets {
                page += "<tr><td><strong>\(escape(set.name))</strong></td>"
                page += "<td>\(badge(set.sync.rawValue))</td><td>\(badge(set.health.rawValue))</td>"
                page += "<td>\(set.taskCount)</td><td>\(escape(counts(set.states)))</td><td>\(escape(counts(set.planned)))</td>"
                page += "<td>\(set.drifted.isEmpty ? "none" : set.drifted.prefix(10).map { "<code>\(escape($0))</code>" }.joined(separator: "<br>") + (set.drifted.count > 10 ? "<br>and \(set.drifted.count - 10) more" : ""))</td></tr>\n"
            }
            page += "</tbody>\n</table>\n"
        }
        page += suspended(status)
        page += pending(status)
        page += "<h2>Last events</h2>\n"
        if status.events.isEmpty {
            page += "<p>None yet.</p>\n"
        } else {
            page += "<ul class=\"events\">\n"
            for event in status.events.suffix(20).reversed() {
                page += "<li><span class=\"time\">\(escape(event.time))</span> <strong>\(escape(event.kind.rawValue))</strong>: \(escape(event.message))</li>\n"
            }
            page += "</ul>\n"
        }
        page += "<p>As JSON: <a href=\"/api/status\">/api/status</a>. Metrics: <a href=\"/metrics\">/metrics</a>. Health: <a href=\"/healthz\">/healthz</a>, <a href=\"/readyz\">/readyz</a>.</p>\n"
        page += "</body>\n</html>\n"
        return page
    }

    private static func lastCycle(_ status: ControllerStatus) -> String {
        guard let cycle = status.lastCycle else { return "<p>The first cycle has not finished yet.</p>\n" }
        var text = "<p>Last cycle (#\(cycle.number)) started <span class=\"time\">\(escape(cycle.started))</span>, took \(String(format: "%.2f", cycle.duration.seconds)) s: \(badge(cycle.result.rawValue))"
        let actions = cycle.actions.entries.map { "\($0.count) \($0.kind.rawValue) \($0.result.rawValue)" }.sorted()
        text += actions.isEmpty ? ", nothing applied" : ", " + escape(actions.joined(separator: ", "))
        text += ".</p>\n"
        if let error = cycle.error { text += "<p class=\"failure\">\(escape(error))</p>\n" }
        if let success = status.lastSuccess { text += "<p>Last success: <span class=\"time\">\(escape(success))</span>.</p>\n" }
        return text
    }

    /// The tasks that start no scheduled run, with who suspended them, when and why.
    private static func suspended(_ status: ControllerStatus) -> String {
        guard !status.suspended.isEmpty else { return "" }
        var text = "<h2>Suspended</h2>\n<table>\n<thead><tr><th>Task</th><th>By</th><th>Since</th><th>Why</th></tr></thead>\n<tbody>\n"
        for (address, suspension) in status.suspended {
            let by = suspension.afterFailures ? "\(suspension.by) (paused after failures)" : suspension.by
            text += "<tr><td><code>\(escape(address))</code></td><td>\(escape(by))</td><td><span class=\"time\">\(escape(suspension.at))</span></td><td>\(escape(suspension.reason))</td></tr>\n"
        }
        return text + "</tbody>\n</table>\n"
    }

    /// The runs that wait for what they depend on: since when, for which slot, waiting for what.
    private static func pending(_ status: ControllerStatus) -> String {
        guard !status.pending.isEmpty else { return "" }
        var text = "<h2>Pending runs</h2>\n<table>\n<thead><tr><th>Task</th><th>Slot</th><th>Since</th><th>Waits for</th></tr></thead>\n<tbody>\n"
        for (address, run) in status.pending {
            let waits = run.waitsFor.map { "<code>\(escape($0))</code>" }.joined(separator: ", ")
            text += "<tr><td><code>\(escape(address))</code></td><td>\(run.slot.map { "<span class=\"time\">\(escape($0))</span>" } ?? "-")</td>"
                + "<td><span class=\"time\">\(escape(run.since))</span></td><td>\(waits)</td></tr>\n"
        }
        return text + "</tbody>\n</table>\n"
    }

    private static func leadership(_ status: ControllerStatus) -> String {
        if status.leading { return "This controller leads." }
        return "Following \(status.leader ?? "another controller"): status only."
    }

    private static func interval(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds % 60 == 0 && seconds > 0 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    private static func badge(_ text: String) -> String {
        "<span class=\"badge \(escape(text))\">\(escape(text))</span>"
    }

    private static func counts(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "-" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
