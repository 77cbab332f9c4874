import BatchTask
import DesiredTasks
import JSON
import State

/// Adopting a task that already exists on the server into the state, at an address the manifests define.
public enum Import {
    /// The entry that records the live task `id` at `task`'s address: applied holds what the server has for the
    /// fields the manifest sets, so the next plan shows exactly how the task differs from the manifest. A secret
    /// field is recorded by its marker, never in clear. `at` is the ISO 8601 time of the import.
    public static func entry(for task: DesiredTask, id: Int32, live: BatchTaskInfo, at: String, secrets: SecretHasher) -> StateEntry {
        var applied = JSONValue.Object()
        for field in task.info.presentFields {
            guard let value = live[field] else { continue }
            applied[field.rawValue] = task.redactions[field] != nil ? secrets.marker(for: value) : value
        }
        // Over the applied fields, secrets in them as markers: the fingerprint holds no secret either.
        return StateEntry(id: id, fingerprint: Fingerprint.of(.object(applied)), applied: .object(applied), appliedAt: at,
                          source: task.source.description)
    }
}
