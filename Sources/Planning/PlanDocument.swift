import BatchTask
import JSON
import State

/// A plan as JSON: the `--output json` shape of cli.md, plus what `apply PLANFILE` needs to refuse a stale plan.
public enum PlanDocument {
    /// `{"formatVersion", "summary", "actions", "orphans", "drift"}` and, for saved plans, the state and manifest
    /// they were made from.
    public static func json(_ plan: Plan, saved: Bool = false) -> JSONValue {
        var summary = JSONValue.Object()
        // Imports, runs and schedules are counted when a plan has them, so plans without any read as they always did.
        for kind in ActionKind.allCases where kind != .noop && (plan.count(kind) > 0 || ![.import, .run, .schedule].contains(kind)) {
            summary[kind.rawValue] = .int(Int64(plan.count(kind)))
        }
        summary["noop"] = .int(Int64(plan.count(.noop)))
        if !plan.holds.isEmpty { summary["hold"] = .int(Int64(plan.holds.count)) }
        var root = JSONValue.Object()
        root["formatVersion"] = .int(Int64(Plan.formatVersion))
        root["summary"] = .object(summary)
        root["actions"] = .array(plan.actions.filter { saved || $0.kind != .noop }.map(action))
        root["orphans"] = .array(plan.orphans.map { .object(["address": .string($0.address), "id": .int(Int64($0.id))]) })
        root["drift"] = .array(plan.drift.map(DriftDocument.item))
        if !plan.schedules.isEmpty { root["schedules"] = .array(plan.schedules.map(scheduled)) }
        if !plan.unscheduled.isEmpty { root["unscheduled"] = .array(plan.unscheduled.map(JSONValue.string)) }
        if !plan.pending.isEmpty { root["pending"] = .array(plan.pending.map(pending)) }
        if saved {
            root["stateLineage"] = plan.stateLineage.map(JSONValue.string) ?? .null
            root["stateSerial"] = plan.stateSerial.map { .int(Int64($0)) } ?? .null
            if let sets = plan.stateSets {
                var digests = JSONValue.Object()
                for (set, digest) in sets { digests[set] = .string(digest) }
                root["stateSets"] = .object(digests)
            }
            root["manifestDigest"] = plan.manifestDigest.map(JSONValue.string) ?? .null
            root["endpoint"] = .string(plan.endpoint)
            root["refreshed"] = .bool(plan.refreshed)
        }
        return .object(root)
    }

    private static func action(_ action: PlannedAction) -> JSONValue {
        var object: JSONValue.Object = [
            "address": .string(action.address),
            "action": .string(action.kind.rawValue),
            "id": action.id.map { .int(Int64($0)) } ?? .null,
            "changes": .array(action.changes.map(change)),
            "reason": action.reason.map(JSONValue.string) ?? .null,
        ]
        if let from = action.movedFrom { object["movedFrom"] = .string(from) }
        if action.createBeforeDestroy { object["createBeforeDestroy"] = .bool(true) }
        if let slot = action.slot { object["slot"] = .string(slot) }
        if action.attempt != 1 { object["attempt"] = .int(Int64(action.attempt)) }
        return .object(object)
    }

    /// A pending run: `{"address", "new", "slot", "waitsFor", "since", "start", "action"}`; `new` for a run this plan
    /// holds, false for one the state has; `action` is what starts it once ready.
    public static func pending(_ step: PendingStep) -> JSONValue {
        .object([
            "address": .string(step.address),
            "new": .bool(step.isNew),
            "slot": step.run.slot.map(JSONValue.string) ?? .null,
            "waitsFor": .array(step.run.waitsFor.map(JSONValue.string)),
            "since": .string(step.run.since),
            "start": .string(step.run.start.rawValue),
            "action": action(step.action),
        ])
    }

    /// A scheduled task's standing: `{"address", "schedule", "timeZone", "since", "due", "next", "missed", ...}`.
    public static func scheduled(_ task: ScheduledTask) -> JSONValue {
        var object: JSONValue.Object = [
            "address": .string(task.address),
            "schedule": .string(task.cron),
            "timeZone": .string(task.timeZone),
            "since": task.since.map(JSONValue.string) ?? .null,
            "due": task.dueSlot.map(JSONValue.string) ?? .null,
            "next": task.next.map(JSONValue.string) ?? .null,
            "missed": .int(Int64(task.missed)),
        ]
        if task.missedIsLowerBound { object["missedAtLeast"] = .bool(true) }
        if let last = task.lastMissed { object["lastMissed"] = .string(last) }
        if !task.catchUp.isEmpty { object["catchUp"] = .array(task.catchUp.map(JSONValue.string)) }
        switch task.suspended {
        case .manifest?: object["suspended"] = .object(["by": .string("manifest")])
        case .state(let suspension)?:
            object["suspended"] = .object(suspension.members)
        case nil: break
        }
        if let retry = task.retry {
            object["retry"] = .object(["attempt": .int(Int64(retry.attempt)), "limit": .int(Int64(retry.limit)), "at": .string(retry.at)])
        }
        return .object(object)
    }

    static func change(_ change: FieldChange) -> JSONValue {
        .object(["field": .string(change.field.rawValue), "before": change.before ?? .null, "after": change.after ?? .null])
    }

    /// Reads a saved plan back. Every member is checked: a plan that cannot be read exactly as it was written is
    /// refused, naming the JSON path of the member at fault, because applying part of a plan is worse than none.
    public static func decode(_ value: JSONValue) throws(PlanFileError) -> Plan {
        guard value["formatVersion"]?.intValue == Int64(Plan.formatVersion) else {
            throw PlanFileError(.malformed, "not a plan file of format version \(Plan.formatVersion)")
        }
        guard value["manifestDigest"]?.stringValue != nil, value["endpoint"]?.stringValue != nil,
              value["actions"]?.arrayValue != nil else {
            throw PlanFileError(.malformed, "not a saved plan: it lacks manifestDigest, endpoint or actions (save plans with plan --out FILE)")
        }
        let root = DocumentReader(value)
        var actions: [PlannedAction] = []
        for item in try root.required("actions").elements() { actions.append(try action(item)) }
        var orphans: [Orphan] = []
        for item in try root.optional("orphans")?.elements() ?? [] {
            orphans.append(Orphan(address: try item.required("address").string(), id: try item.required("id").int32()))
        }
        var drift: [DriftItem] = []
        for item in try root.optional("drift")?.elements() ?? [] { drift.append(try DriftDocument.item(item)) }
        let serial = try root.optional("stateSerial")?.int()
        var unscheduled: [String] = []
        for item in try root.optional("unscheduled")?.elements() ?? [] { unscheduled.append(try item.string()) }
        var plan = Plan(actions: actions, orphans: orphans, drift: drift,
                    stateLineage: try root.optional("stateLineage")?.string(), stateSerial: serial.map { Int($0) },
                    manifestDigest: try root.required("manifestDigest").string(),
                    endpoint: try root.required("endpoint").string(),
                    refreshed: try root.optional("refreshed")?.bool() ?? false)
        plan.unscheduled = unscheduled
        if let sets = try root.optional("stateSets") {
            var digests: [String: String] = [:]
            for (set, digest) in try sets.members() { digests[set] = try digest.string() }
            plan.stateSets = digests
        }
        for item in try root.optional("pending")?.elements() ?? [] { plan.pending.append(try pending(item)) }
        return plan
    }

    private static func pending(_ item: DocumentReader) throws(PlanFileError) -> PendingStep {
        let startReader = try item.required("start")
        let startName = try startReader.string()
        guard let start = PendingRun.Start(rawValue: startName) else { throw startReader.failure("unknown start '\(startName)'") }
        var waitsFor: [String] = []
        for address in try item.required("waitsFor").elements() { waitsFor.append(try address.string()) }
        let run = PendingRun(slot: try item.optional("slot")?.string(), waitsFor: waitsFor,
                             since: try item.required("since").string(), start: start)
        return PendingStep(address: try item.required("address").string(), run: run, isNew: try item.required("new").bool(),
                           action: try action(item.required("action")))
    }

    private static func action(_ item: DocumentReader) throws(PlanFileError) -> PlannedAction {
        let kindReader = try item.required("action")
        let kindName = try kindReader.string()
        guard let kind = ActionKind(rawValue: kindName) else { throw kindReader.failure("unknown action '\(kindName)'") }
        return PlannedAction(
            address: try item.required("address").string(), kind: kind, id: try item.optional("id")?.int32(),
            changes: try changes(item.required("changes")), reason: try item.optional("reason")?.string(),
            movedFrom: try item.optional("movedFrom")?.string(),
            createBeforeDestroy: try item.optional("createBeforeDestroy")?.bool() ?? false,
            slot: try item.optional("slot")?.string(), attempt: Int(try item.optional("attempt")?.int() ?? 1))
    }

    static func changes(_ list: DocumentReader) throws(PlanFileError) -> [FieldChange] {
        var changes: [FieldChange] = []
        for item in try list.elements() {
            let fieldReader = try item.required("field")
            let name = try fieldReader.string()
            guard let field = BatchTaskField(rawValue: name) else { throw fieldReader.failure("unknown field '\(name)'") }
            changes.append(FieldChange(field: field, before: try item.optional("before")?.value,
                                       after: try item.optional("after")?.value))
        }
        return changes
    }
}
