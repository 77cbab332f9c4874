import DesiredTasks
import Planning
import State

/// Which task sets a run must lock: the rules apply, run, destroy and the controller share.
///
/// A run locks the sets its plan can change and no others, so that runs on other sets of one state proceed at once
/// where the backend locks per set (PostgreSQL). The planner is told which sets the run holds (`PlanOptions.lockedSets`)
/// and leaves every other set alone, so a rule here that is too narrow leaves work for a later run; it never writes
/// a set the run does not hold.
public enum LockScope {
    /// The sets an apply of `expansion` with `selection` can change: those of the tasks the selection takes, those the
    /// moves it carries leave and enter, and, without `--selector`, those where entries that left the manifests may be
    /// deleted or listed (every set named by `--target`; without one, every set of the manifests, or with `prune`
    /// every set, nil). A set that an `--exclude` pattern covers whole (`ops/*`) is left out. A saved plan locks
    /// `sets(forSaved:)`.
    public static func sets(for expansion: ExpansionResult, selection: TaskSelection = .everything, prune: Bool) -> [String]? {
        var sets = Set<String>()
        if selection.isEverything {
            sets.formUnion(expansion.changedSets)
        } else {
            sets.formUnion(selection.apply(to: expansion).map(\.setName))
        }
        // The planner carries a move whose target the selection takes (an address, so no labels: none under --selector).
        for move in expansion.moves where selection.includes(address: move.to) {
            sets.insert(StateAddress.setName(of: move.from))
            sets.insert(StateAddress.setName(of: move.to))
        }
        // Under --selector an entry without a task in the manifests is out of scope; otherwise it is in scope where
        // --target matches it, anywhere in the state.
        if selection.selectors.isEmpty {
            if let named = namedSets(selection.targets) {
                sets.formUnion(named)
            } else if prune {
                return nil
            } else {
                sets.formUnion(expansion.changedSets)
            }
        }
        return sets.filter { set in !selection.excludes.contains { covers($0, set) } }.sorted()
    }

    /// The sets carrying out a saved plan can write: those of every address it names (`Plan.namedSets`).
    public static func sets(forSaved plan: Plan) -> [String] { plan.namedSets }

    /// The sets whose tasks a `run` may start: with due runs (`startsDueRuns`), those of the tasks the selection
    /// takes; else those of the tasks `runs` names.
    public static func sets(forRuns options: PlanOptions, in expansion: ExpansionResult) -> [String] {
        let involved = options.startsDueRuns
            ? options.selection.apply(to: expansion)
            : expansion.tasks.filter { task in options.runs.contains { $0.matches(task.address) } }
        return Array(Set(involved.map(\.setName))).sorted()
    }

    /// The sets a `destroy` may delete from: `sets` (those the manifest flags name) when given, narrowed to the sets
    /// `--target` names; nil (every set) when neither says.
    public static func sets(forDestroy targets: TaskSelection, sets: Set<String>?) -> [String]? {
        let named = namedSets(targets.targets)
        switch (sets, named) {
        case (nil, nil): return nil
        case (let sets?, nil): return sets.sorted()
        case (nil, let named?): return named.sorted()
        case (let sets?, let named?): return sets.intersection(named).sorted()
        }
    }

    /// The sets `--target` patterns can reach: each pattern's set part (before its first `/`) when that part is
    /// literal; nil when there is no pattern or one could match an address of any set (`*/purge`, `night*`).
    static func namedSets(_ targets: [Glob]) -> Set<String>? {
        guard !targets.isEmpty else { return nil }
        var sets = Set<String>()
        for target in targets {
            let pattern = target.pattern
            let setPart = pattern.firstIndex(of: "/").map { pattern[..<$0] } ?? pattern[...]
            guard !setPart.contains("*"), !setPart.contains("?") else { return nil }
            // A pattern without `/` names a set only when it is literal; `nightly` then matches no task address.
            sets.insert(String(setPart))
        }
        return sets
    }

    /// Whether `pattern` matches every address of `set`: it ends in `*` and matches `set/`, so the last `*` takes
    /// any key after it.
    static func covers(_ pattern: Glob, _ set: String) -> Bool {
        pattern.pattern.hasSuffix("*") && pattern.matches(set + "/")
    }
}
