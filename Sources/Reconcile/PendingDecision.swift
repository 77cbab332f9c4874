import BatchTask
import DesiredTasks
import Foundation
import Planning
import Schedule
import State

/// Whether a pending run starts now, is skipped, dropped, or waits: a pure decision over what the state knows of
/// the runs it waits for (and, where the state knows no finished State, what a read of the run found).
///
/// `PendingAdvance` does the I/O: it reads the runs `needsRead` names, records the verdict and starts the ready runs.
public struct PendingDecision: Sendable {
    public var now: Date
    /// Addresses whose create, replace or run starts in this pass (held ones too), with the slot it is for: what
    /// depends on that run waits.
    public var starting: [String: String?]

    /// How one dependency stands for a pending run.
    public enum Standing: Equatable, Sendable {
        /// Its run Succeeded.
        case done
        /// It has not ended, a retry is to come, or its run for the slot has yet to start.
        case waiting
        /// It Failed with no retry to come, or has no run for the slot: the pending run is skipped.
        case failed(String)
        /// The state knows no finished State of run `id`: read it, then `standing(read:)`.
        case needsRead(Int32)
    }

    /// What becomes of a pending run.
    public enum Verdict: Equatable, Sendable {
        case start
        /// One of its dependencies failed: it is skipped, with the reason.
        case skip(String)
        /// It waited past its task's `startingDeadline`.
        case drop(String)
        case wait
    }

    /// What the decision knows of one dependency: its entry, run policy (nil: not in the manifests), pending runs
    /// and the slot it last passed without a run.
    public struct Dependency: Sendable {
        public var address: String
        public var entry: StateEntry?
        public var policy: RunPolicy?
        public var pending: [PendingRun]
        public var passed: String?

        public init(address: String, entry: StateEntry?, policy: RunPolicy?, pending: [PendingRun] = [], passed: String? = nil) {
            self.address = address
            self.entry = entry
            self.policy = policy
            self.pending = pending
            self.passed = passed
        }
    }

    public init(now: Date, starting: [String: String?]) {
        self.now = now
        self.starting = starting
    }

    /// The run of `dependency` that `run` waits for, as far as the state knows it.
    public func standing(of dependency: Dependency, for run: PendingRun) -> Standing {
        let address = dependency.address
        guard let policy = dependency.policy else { return .failed("\(address) is not in the manifests") }
        let forSlot = run.slot != nil && policy.when == .schedule
        if let slot = starting[address], !forSlot || slot == run.slot { return .waiting }
        if dependency.pending.contains(where: { !forSlot || $0.slot == run.slot }) { return .waiting }
        guard let entry = dependency.entry else { return .waiting }
        guard let slot = run.slot, policy.when == .schedule else {
            return standing(address, id: entry.id, outcome: entry.outcome, state: entry.lastState, retryAt: entry.retryAt, policy: policy)
        }
        if entry.slot == slot {
            return standing(address, id: entry.id, outcome: entry.outcome, state: entry.lastState, retryAt: entry.retryAt, policy: policy)
        }
        if let past = entry.history.last(where: { $0.slot == slot }) {
            // A later attempt of the same slot would be the current run: this one is the last there is.
            return standing(address, id: past.id, outcome: past.outcome, state: past.state, retryAt: nil, policy: RunPolicy())
        }
        // Passed without a run (skipped or dropped), or moved on to a later slot: no run for this one will come.
        let later = ([entry.slot ?? entry.appliedAt] + entry.history.map(\.slot)).contains { other in Self.isAfter(other, slot) }
            || dependency.passed.map { $0 == slot || Self.isAfter($0, slot) } == true
        return later ? .failed("\(address) has no run for \(slot)") : .waiting
    }

    /// The standing of a dependency's run once read: `state` nil when the run is gone from the server. A run still
    /// going is waited for.
    public func standing(read state: BatchTaskState?, of address: String, policy: RunPolicy?, isCurrent: Bool) -> Standing {
        guard let state else { return .failed("\(address) has no run (its task is gone)") }
        let standing = standing(address, id: 0, outcome: nil, state: state.rawValue, retryAt: nil,
                                policy: isCurrent ? policy ?? RunPolicy() : RunPolicy())
        if case .needsRead = standing { return .waiting }
        return standing
    }

    /// A run's standing from how it was settled, else the last State seen.
    private func standing(_ address: String, id: Int32, outcome: RunOutcome?, state: String?, retryAt: String?,
                          policy: RunPolicy) -> Standing {
        if let outcome {
            if outcome == .succeeded { return .done }
            if retryAt != nil { return .waiting }
            return .failed(outcome == .timedOut ? "\(address) timed out" : "\(address) Failed")
        }
        switch state.map(BatchTaskState.init(rawValue:)) {
        case .succeeded?, .succeededManualCleanup?: return .done
        // A watched run that Failed is settled by a look, which may start a retry: until then it is waited for.
        case .failed?: return policy.watchesRuns && policy.retry.limit > 0 ? .waiting : .failed("\(address) Failed")
        // A State seen earlier that is not an end may be one by now: read it again.
        default: return .needsRead(id)
        }
    }

    /// The verdict once every dependency's standing is known (none `needsRead`): started when all are done, skipped
    /// when one failed, dropped past `startingDeadline` (counted from its slot, else from when it became pending).
    public func verdict(_ run: PendingRun, standings: [Standing], startingDeadline: TimeInterval?) -> Verdict {
        if standings.allSatisfy({ $0 == .done }) { return .start }
        for standing in standings {
            if case .failed(let why) = standing { return .skip(why) }
        }
        if let deadline = startingDeadline, let from = Timestamp.date(run.slot ?? run.since), now.timeIntervalSince(from) > deadline {
            return .drop("pending since \(run.since), past its startingDeadline \(DurationText.format(deadline))")
        }
        return .wait
    }

    /// `steps` with each pending run after the pending runs of what it waits for (else in order), so that a run
    /// skipped in a pass skips what waits for it in the same pass.
    public static func ordered(_ steps: [PendingStep]) -> [PendingStep] {
        let addresses = Set(steps.map(\.address))
        var depth: [String: Int] = [:]
        func depthOf(_ address: String, _ seen: Set<String>) -> Int {
            if let known = depth[address] { return known }
            guard !seen.contains(address) else { return 0 }  // a cycle: the manifests refuse one; no loop here
            let waits = steps.lazy.filter { $0.address == address }.flatMap(\.run.waitsFor).filter(addresses.contains)
            let value = waits.map { depthOf($0, seen.union([address])) + 1 }.max() ?? 0
            depth[address] = value
            return value
        }
        return steps.enumerated().sorted { first, second in
            let (a, b) = (depthOf(first.element.address, []), depthOf(second.element.address, []))
            return a != b ? a < b : first.offset < second.offset
        }.map(\.element)
    }

    static func isAfter(_ text: String?, _ slot: String) -> Bool {
        guard let text, let date = Timestamp.date(text), let slotDate = Timestamp.date(slot) else { return false }
        return date > slotDate
    }
}
