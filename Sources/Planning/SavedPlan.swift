import Crypto
import DesiredTasks
import JSON
import State

/// A plan saved by `plan --out FILE`, read back for `apply FILE`: carried out exactly, or refused when the world it
/// was made for has moved on.
public enum SavedPlan {
    /// `plan` as a plan file's bytes, with the digest of the manifests it was made from and of what `state` (the
    /// state it was made against) held in each set it names; `verify` refuses it once they moved on.
    public static func encode(_ plan: Plan, desired: [DesiredTask], state: State?) -> [UInt8] {
        var saved = plan
        saved.manifestDigest = Planner.digest(desired)
        saved.stateSets = setDigests(state, sets: plan.namedSets)
        return PlanDocument.json(saved, saved: true).serializedBytes(pretty: true) + [10]
    }

    /// `sha256:` of what `state` holds in each of `sets`: every entry, schedule mark and pending run at an address
    /// of the set, in address order. Another set's changes leave it as it is.
    public static func setDigests(_ state: State?, sets: [String]) -> [String: String] {
        var addresses: [String: Set<String>] = [:]
        for set in sets { addresses[set] = [] }
        if let state {
            for address in state.tasks.keys { addresses[StateAddress.setName(of: address)]?.insert(address) }
            for address in state.scheduled.keys { addresses[StateAddress.setName(of: address)]?.insert(address) }
            for address in state.pending.keys { addresses[StateAddress.setName(of: address)]?.insert(address) }
        }
        var digests: [String: String] = [:]
        for (set, members) in addresses {
            var hasher = SHA256()
            var writer = JSONWriter()
            for address in members.sorted() {
                writer.bytes.removeAll(keepingCapacity: true)
                writer.beginArray()
                writer.writeString(address)
                if let entry = state?.tasks[address] { entry.write(to: &writer) } else { writer.writeNull() }
                if let since = state?.scheduled[address] { writer.writeString(since) } else { writer.writeNull() }
                writer.writeInline(.array((state?.pending[address] ?? []).map(\.json)))
                writer.endArray()
                hasher.update(data: writer.bytes)
            }
            digests[set] = Fingerprint.hex("sha256:", hasher.finalize())
        }
        return digests
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
        if let sets = plan.stateSets, plan.stateLineage == nil || plan.stateLineage == state?.lineage {
            // Only the sets the plan names matter: another team's apply of another set leaves the plan as good as it
            // was. A plan made before there was a state holds for the state another set's first apply made, as long
            // as the plan's sets are still empty there.
            let now = setDigests(state, sets: Array(sets.keys))
            if let changed = sets.keys.sorted().first(where: { sets[$0] != now[$0] }) {
                throw PlanFileError(.staleState, "\(path) is stale: the state's set \(changed) changed since the plan was made; make a new plan")
            }
        } else if plan.stateLineage != state?.lineage || plan.stateSerial != state?.serial {
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
        // A set the plan does not name may have changed since (see `stateSets`): a task it imports must not have been
        // taken by an address of another set meanwhile.
        if plan.actions.contains(where: { $0.kind == .import }) {
            let owners = State.owners(entries)
            for action in plan.actions where action.kind == .import && entries[action.address] == nil {
                guard let id = action.id, let owner = owners[id], owner != action.address else { continue }
                throw PlanFileError(.staleState, "\(path) is stale: task \(id), which it imports to \(action.address), is now managed at \(owner); make a new plan")
            }
        }
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
