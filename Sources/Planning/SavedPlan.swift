import DesiredTasks
import JSON
import State

/// A plan saved by `plan --out FILE`, read back for `apply FILE`: carried out exactly, or refused when the world it
/// was made for has moved on.
public enum SavedPlan {
    /// `plan` as a plan file's bytes, with the digest of the manifests it was made from; `verify` refuses it once
    /// they, or the state it names, moved on.
    public static func encode(_ plan: Plan, desired: [DesiredTask]) -> [UInt8] {
        var saved = plan
        saved.manifestDigest = Planner.digest(desired)
        return PlanDocument.json(saved, saved: true).serializedBytes(pretty: true) + [10]
    }

    /// Reads a plan file's bytes; `path` names the file in messages.
    public static func read(_ bytes: [UInt8], path: String) throws(PlanFileError) -> Plan {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw PlanFileError(.malformed, "\(path) is not a plan file: \(error)")
        }
        do {
            return try PlanDocument.decode(value)
        } catch {
            throw PlanFileError(error.kind, "\(path): \(error.message)")
        }
    }

    /// Refuses a plan whose endpoint, state (lineage, serial) or manifests (digest) moved on since it was made.
    public static func verify(_ plan: Plan, path: String, state: State?, desired: [DesiredTask],
                              endpoint: String) throws(PlanFileError) {
        guard plan.endpoint == endpoint else {
            throw PlanFileError(.wrongEndpoint, "\(path) was made for endpoint \(plan.endpoint), not \(endpoint)")
        }
        guard plan.stateLineage == state?.lineage, plan.stateSerial == state?.serial else {
            let then = plan.stateSerial.map(String.init) ?? "none"
            let now = state.map { String($0.serial) } ?? "none"
            throw PlanFileError(.staleState, "\(path) is stale: the state changed since the plan was made (serial \(then) then, \(now) now); make a new plan")
        }
        guard plan.manifestDigest == Planner.digest(desired) else {
            throw PlanFileError(.staleManifests, "\(path) is stale: the manifests changed since the plan was made; make a new plan")
        }
        try checkOwnership(plan, path: path, state: state)
    }

    /// Every id an action names must be the one the state holds at that address (for a move, at the address it
    /// moves from); a create names none. The state is the one the plan was made against (lineage and serial were
    /// checked), so a mismatch means the file was edited, and applying it would change a task this state never
    /// owned there.
    static func checkOwnership(_ plan: Plan, path: String, state: State?) throws(PlanFileError) {
        var entries = state?.tasks ?? [:]
        // Moves, then imports, come first when applied, so the actions after them see the entries they make.
        var ordered = plan.actions.enumerated().filter { $0.element.kind == .move }
        ordered += plan.actions.enumerated().filter { $0.element.kind == .import }
        ordered += plan.actions.enumerated().filter { $0.element.kind != .move && $0.element.kind != .import }
        for (index, action) in ordered {
            let expected: Int32?
            switch action.kind {
            case .create, .schedule:
                expected = nil
            case .move:
                expected = action.movedFrom.flatMap { entries[$0]?.id }
                if let from = action.movedFrom, action.id == expected, let entry = entries.removeValue(forKey: from) {
                    entries[action.address] = entry
                }
            case .import:
                // An import adopts a task at an address the state has no entry for.
                expected = entries[action.address]?.id ?? action.id
                if entries[action.address] == nil, let id = action.id {
                    entries[action.address] = StateEntry(id: id, fingerprint: "", applied: .object([:]), appliedAt: "", source: "")
                }
            case .update, .replace, .delete, .noop, .run:
                expected = entries[action.address]?.id
            }
            guard action.id != expected else { continue }
            let named = action.id.map { "task \($0)" } ?? "no task"
            let held = expected.map { "task \($0)" } ?? "none"
            throw PlanFileError(.foreignTask, "\(path): actions[\(index)] (\(action.kind.rawValue) \(action.address)) names \(named), but the state it was made against holds \(held) there: the plan file was edited; make a new plan")
        }
    }
}
