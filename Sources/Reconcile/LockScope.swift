import DesiredTasks

/// Which task sets a run that applies the manifests must lock: the rule apply and the controller share.
public enum LockScope {
    /// The sets of the manifests and of the moves out of others (`ExpansionResult.changedSets`); every set (nil)
    /// with `prune`, which deletes what left the manifests, and for a saved plan, which may name any.
    public static func sets(for expansion: ExpansionResult, prune: Bool, savedPlan: Bool = false) -> [String]? {
        guard !savedPlan, !prune else { return nil }
        return expansion.changedSets
    }
}
