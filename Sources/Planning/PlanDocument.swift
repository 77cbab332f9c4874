import JSON

/// A plan as JSON: the `--output json` shape of cli.md, plus what `apply PLANFILE` needs to refuse a stale plan.
public enum PlanDocument {
    /// `{"formatVersion", "summary", "actions", "orphans", "drift"}` and, for saved plans, the state and manifest
    /// they were made from.
    public static func json(_ plan: Plan, saved: Bool = false) -> JSONValue {
        var summary = JSONValue.Object()
        for kind in ActionKind.allCases where kind != .noop { summary[kind.rawValue] = .int(Int64(plan.count(kind))) }
        summary["noop"] = .int(Int64(plan.count(.noop)))
        var root = JSONValue.Object()
        root["formatVersion"] = .int(Int64(Plan.formatVersion))
        root["summary"] = .object(summary)
        root["actions"] = .array(plan.actions.filter { saved || $0.kind != .noop }.map(action))
        root["orphans"] = .array(plan.orphans.map { .object(["address": .string($0.address), "id": .int(Int64($0.id))]) })
        root["drift"] = .array(plan.drift.map { item in
            .object([
                "address": .string(item.address), "id": .int(Int64(item.id)), "kind": .string(item.kind.rawValue),
                "changes": .array(item.changes.map(change)),
            ])
        })
        if saved {
            root["stateLineage"] = plan.stateLineage.map(JSONValue.string) ?? .null
            root["stateSerial"] = plan.stateSerial.map { .int(Int64($0)) } ?? .null
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
        return .object(object)
    }

    private static func change(_ change: FieldChange) -> JSONValue {
        .object(["field": .string(change.field), "before": change.before ?? .null, "after": change.after ?? .null])
    }

    /// Reads a saved plan back.
    public static func decode(_ value: JSONValue) throws(PlanFileError) -> Plan {
        guard value["formatVersion"]?.intValue == Int64(Plan.formatVersion) else {
            throw PlanFileError(message: "not a plan file of format version \(Plan.formatVersion)")
        }
        guard let digest = value["manifestDigest"]?.stringValue, let endpoint = value["endpoint"]?.stringValue,
              let actionValues = value["actions"]?.arrayValue else {
            throw PlanFileError(message: "not a saved plan: it lacks manifestDigest, endpoint or actions (save plans with plan --out FILE)")
        }
        var actions: [PlannedAction] = []
        for item in actionValues {
            guard let address = item["address"]?.stringValue, let kindName = item["action"]?.stringValue,
                  let kind = ActionKind(rawValue: kindName) else {
                throw PlanFileError(message: "an action lacks address or action")
            }
            let changes = (item["changes"]?.arrayValue ?? []).compactMap { c -> FieldChange? in
                guard let field = c["field"]?.stringValue else { return nil }
                return FieldChange(field: field, before: c["before"].flatMap { $0.isNull ? nil : $0 },
                                   after: c["after"].flatMap { $0.isNull ? nil : $0 })
            }
            actions.append(PlannedAction(
                address: address, kind: kind, id: item["id"]?.intValue.flatMap { Int32(exactly: $0) }, changes: changes,
                reason: item["reason"]?.stringValue, movedFrom: item["movedFrom"]?.stringValue,
                createBeforeDestroy: item["createBeforeDestroy"]?.boolValue ?? false))
        }
        let orphans = (value["orphans"]?.arrayValue ?? []).compactMap { o -> Orphan? in
            guard let address = o["address"]?.stringValue, let id = o["id"]?.intValue.flatMap({ Int32(exactly: $0) }) else { return nil }
            return Orphan(address: address, id: id)
        }
        return Plan(actions: actions, orphans: orphans, drift: [], stateLineage: value["stateLineage"]?.stringValue,
                    stateSerial: value["stateSerial"]?.intValue.map { Int($0) }, manifestDigest: digest, endpoint: endpoint,
                    refreshed: value["refreshed"]?.boolValue ?? false)
    }
}

/// A saved plan that cannot be read.
public struct PlanFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
