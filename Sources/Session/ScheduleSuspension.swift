import DesiredTasks
import Reconcile
import State

/// `batchctl schedule suspend` and `resume` as edits of the state: which entries the addresses name, and what each
/// edit changes. Pure, so the refusals and the changes are tested without a lock or a server.
public enum ScheduleSuspension {
    /// What an edit did to one entry.
    public struct Change: Hashable, Sendable {
        public var address: String
        /// The suspension before the edit.
        public var before: Suspension?
        /// The count of failed runs before the edit.
        public var failuresBefore: Int
        /// False when the entry already was as asked (suspended, or resumed with no failures counted).
        public var changed: Bool
    }

    /// The addresses of `state`'s entries that `patterns` (addresses or globs) name, sorted. Refuses a pattern that
    /// names no entry, saying why: a scheduled task that never ran has no entry to record a suspension in.
    public static func addresses(_ patterns: [String], in state: State, verb: String = "suspend") throws(SessionError) -> [String] {
        var found: Set<String> = []
        for pattern in patterns {
            let glob = Glob(pattern)
            let matches = glob.isLiteral ? (state.tasks[pattern] == nil ? [] : [pattern]) : state.tasks.keys.filter(glob.matches)
            guard matches.isEmpty else {
                found.formUnion(matches)
                continue
            }
            if glob.isLiteral, let since = state.scheduled[pattern] {
                throw SessionError("\(pattern) is scheduled since \(since) but has never run, so the state has no entry to \(verb)",
                                   hint: verb == "suspend" ? "set run.suspend: true in its manifest (and apply) to keep it from starting" : nil)
            }
            if glob.isLiteral {
                throw SessionError("the state has no \(pattern)", hint: "`batchctl state list` lists the addresses it has")
            }
            throw SessionError("no address in the state matches \(pattern)", hint: "`batchctl state list` lists the addresses it has")
        }
        return found.sorted()
    }

    /// Records `suspension` on each entry `patterns` name; an entry already suspended keeps its suspension.
    public static func suspend(_ patterns: [String], with suspension: Suspension, in state: inout State) throws(SessionError) -> [Change] {
        try addresses(patterns, in: state).compactMap { address in
            guard var entry = state.tasks[address] else { return nil }
            let change = Change(address: address, before: entry.suspension, failuresBefore: entry.failures, changed: entry.suspension == nil)
            if entry.suspension == nil {
                entry.suspension = suspension
                state.tasks[address] = entry
            }
            return change
        }
    }

    /// Clears the suspension and the count of failed runs of each entry `patterns` name.
    public static func resume(_ patterns: [String], in state: inout State) throws(SessionError) -> [Change] {
        try addresses(patterns, in: state, verb: "resume").compactMap { address in
            guard var entry = state.tasks[address] else { return nil }
            let change = Change(address: address, before: entry.suspension, failuresBefore: entry.failures,
                                changed: entry.suspension != nil || entry.failures != 0)
            entry.suspension = nil
            entry.failures = 0
            state.tasks[address] = entry
            return change
        }
    }

    /// The task sets the entries of `patterns` live in: what the edit locks. A glob may match any set: nil (all).
    public static func sets(of patterns: [String]) -> [String]? {
        let sets = patterns.map(StateAddress.setName(of:))
        guard sets.allSatisfy({ Glob($0).isLiteral }) else { return nil }
        return Array(Set(sets)).sorted()
    }

    /// `by alice@host at 2026-12-01T02:00:00Z: CRM upgrade`: a suspension in one line.
    public static func describe(_ suspension: Suspension) -> String {
        "by \(suspension.by) at \(suspension.at): \(suspension.reason)"
    }
}
