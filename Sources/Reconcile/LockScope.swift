import DesiredTasks
import Planning

/// Which task sets a run must lock: the rules apply, run and the controller share.
public enum LockScope {
    /// The sets of the manifests and of the moves out of others (`ExpansionResult.changedSets`); every set (nil)
    /// with `prune`, which deletes what left the manifests, and for a saved plan, which may name any.
    public static func sets(for expansion: ExpansionResult, prune: Bool, savedPlan: Bool = false) -> [String]? {
        guard !savedPlan, !prune else { return nil }
        return expansion.changedSets
    }

    /// The sets whose tasks a `run` may start: with due runs (`startsDueRuns`), those of the tasks the selection
    /// takes; else those of the tasks `runs` names.
    public static func sets(forRuns options: PlanOptions, in expansion: ExpansionResult) -> [String] {
        let involved = expansion.tasks.lazy.filter { task in
            options.startsDueRuns ? options.selection.includes(address: task.address) : options.runs.contains { $0.matches(task.address) }
        }
        return Array(Set(involved.map(\.setName))).sorted()
    }
}
