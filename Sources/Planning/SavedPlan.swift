import JSON
import Manifest
import State

/// A plan saved by `plan --out FILE`, read back for `apply FILE`: carried out exactly, or refused when the world it
/// was made for has moved on.
public enum SavedPlan {
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
    }
}
