import JSON
import Planning
import State

/// Pending runs as text: the runs a plan holds, the state's pending runs, and what is still pending after a pass.
enum PendingRendering {
    /// `  ... dag/b pending: waits for dag/a (due at 2026-12-02T01:00:00+01:00)`, one per run the plan holds.
    static func holds(_ plan: Plan, style: Style) -> String {
        plan.holds.map { step in
            "  \(style.yellow("...")) \(style.bold(TerminalText.escape(step.address))) pending: "
                + TerminalText.escape(waiting(step.run, for: what(step), schedules: plan.schedules, address: step.address)) + "\n"
        }.joined()
    }

    /// The state's pending runs the plan advances, under a heading; empty when there are none.
    static func section(_ plan: Plan, style: Style) -> String {
        let known = plan.pending.filter { !$0.isNew }
        guard !known.isEmpty else { return "" }
        var out = "\nPending runs (each starts once every task it waits for has a run that Succeeded):\n"
        for step in known {
            out += "  \(TerminalText.escape(step.address)): "
                + TerminalText.escape(line(step.run, schedules: plan.schedules, address: step.address)) + "\n"
        }
        return out
    }

    /// `pending since 2026-12-02T00:00:05Z, waits for dag/a (slot 2026-12-02T01:00:00+01:00)`.
    static func line(_ run: PendingRun, schedules: [ScheduledTask], address: String) -> String {
        "pending since \(run.since), " + waiting(run, for: nil, schedules: schedules, address: address)
    }

    /// `waits for dag/a (due at ...)`: what the run waits for and the slot it is for, in the schedule's wall clock.
    static func waiting(_ run: PendingRun, for what: String?, schedules: [ScheduledTask], address: String) -> String {
        let waits = "waits for " + (run.waitsFor.isEmpty ? "nothing" : run.waitsFor.joined(separator: ", "))
        guard let slot = run.slot else { return waits + (what.map { " (\($0))" } ?? "") }
        let wall = schedules.first { $0.address == address }?.wallClock(slot) ?? slot
        return waits + " (\(what == nil ? "slot" : "due at") \(wall))"
    }

    /// The words for what a held run starts, when it is not a slot's run.
    private static func what(_ step: PendingStep) -> String {
        switch step.run.start {
        case .create: return "to create"
        case .replace: return "to replace"
        case .run: return "to run"
        }
    }

    /// The state's pending runs, one line each (`dag/b: pending since ..., waits for dag/a (slot ...)`), under a
    /// heading; empty when there are none.
    static func stateLines(_ pending: [String: [PendingRun]], schedules: [ScheduledTask] = [],
                           includes: (String) -> Bool = { _ in true }) -> String {
        let addresses = pending.keys.filter(includes).sorted()
        guard !addresses.isEmpty else { return "" }
        var out = "Pending runs:\n"
        for address in addresses {
            for run in pending[address] ?? [] {
                out += "  " + TerminalText.escape("\(address): " + line(run, schedules: schedules, address: address)) + "\n"
            }
        }
        return out
    }

    /// A pending run as `schedule -o json` and the controller's status list it.
    static func json(_ address: String, _ run: PendingRun) -> JSONValue {
        .object(["address": .string(address), "slot": run.slot.map(JSONValue.string) ?? .null, "since": .string(run.since),
                 "waitsFor": .array(run.waitsFor.map(JSONValue.string)), "start": .string(run.start.rawValue)])
    }

    /// After a pass: `Still pending: dag/b, dag/c.` or nothing.
    static func still(_ addresses: [String]) -> String {
        guard !addresses.isEmpty else { return "" }
        return "Still pending: " + addresses.map(TerminalText.escape).joined(separator: ", ") + ".\n"
    }
}
