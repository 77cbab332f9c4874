import APIClient
import BatchTask
import DesiredTasks
import Foundation
import Planning
import Schedule
import State

/// The I/O around `PendingDecision`: records the runs a plan holds, reads the runs the state knows no end of, and
/// records what becomes of each pending run. The runs that are ready are handed back to be started in this pass.
struct PendingAdvance: Sendable {
    let client: BatchTaskClient
    let recorder: StateRecorder
    let desired: [String: DesiredTask]

    /// What a pass did with the pending runs.
    struct Advanced: Sendable {
        /// The actions that start ready runs, to carry out in this pass.
        var starts: [PlannedAction] = []
        /// The runs skipped or dropped.
        var outcomes: [ActionOutcome] = []
        var events: [RunEvent] = []
        /// Addresses with a pending run left, sorted.
        var stillPending: [String] = []
    }

    /// `actions`: the plan's actions before the ready runs join them, from which what starts in this pass is known.
    func advance(_ steps: [PendingStep], actions: [PlannedAction], now: Date = Date()) async throws -> Advanced {
        try await recordHolds(steps.filter(\.isNew))
        var starting: [String: String?] = [:]
        for action in actions where [.create, .replace, .run].contains(action.kind) { starting[action.address] = action.slot }
        for step in steps where step.isNew { starting[step.address] = step.run.slot }
        let decision = PendingDecision(now: now, starting: starting)
        var advanced = Advanced()
        var startsAt = Set<String>()
        var waiting = Set<String>()
        for step in PendingDecision.ordered(steps) {
            // One run of a task starts per pass; the next waits for the one before it.
            if startsAt.contains(step.address) {
                waiting.insert(step.address)
                continue
            }
            switch try await verdict(step, decision) {
            case .start:
                startsAt.insert(step.address)
                advanced.starts.append(step.action)
            case .wait:
                waiting.insert(step.address)
            case .skip(let why):
                try await pass(step, because: why, into: &advanced)
            case .drop(let why):
                try await pass(step, because: why, into: &advanced)
            }
        }
        advanced.stillPending = waiting.sorted()
        return advanced
    }

    /// Appends each held run to its address's pending runs, one journal record per address.
    private func recordHolds(_ holds: [PendingStep]) async throws {
        var byAddress: [String: [PendingRun]] = [:]
        var order: [String] = []
        for step in holds {
            if byAddress[step.address] == nil { order.append(step.address) }
            byAddress[step.address, default: []].append(step.run)
        }
        for address in order {
            let known = await recorder.pending(address)
            let new = (byAddress[address] ?? []).filter { run in !known.contains { $0.slot == run.slot } }
            if !new.isEmpty { try await recorder.pend(address, runs: known + new) }
        }
    }

    private func verdict(_ step: PendingStep, _ decision: PendingDecision) async throws -> PendingDecision.Verdict {
        // A run whose task left the manifests, or is no longer scheduled, is dropped (the plan says why).
        if step.action.kind == .noop { return .drop(step.action.reason ?? "it no longer runs") }
        guard let task = desired[step.address] else { return .drop("its task is no longer in the manifests") }
        if task.run.suspend { return .wait }
        if await recorder.entry(step.address)?.suspension != nil { return .wait }
        let state = await recorder.state
        var standings: [PendingDecision.Standing] = []
        for address in step.run.waitsFor {
            let dependency = PendingDecision.Dependency(
                address: address, entry: state.tasks[address], policy: desired[address]?.run,
                pending: state.pending[address] ?? [], passed: state.scheduled[address])
            var standing = decision.standing(of: dependency, for: step.run)
            if case .needsRead(let id) = standing {
                let live: BatchTaskInfo?
                do {
                    live = try await client.get(id)
                } catch {
                    return .wait  // not readable now: read again next pass
                }
                if let seen = live?.state { await recorder.noteState(seen.rawValue, id: id, address: address) }
                standing = decision.standing(read: live.map { $0.state ?? .unknown }, of: address, policy: desired[address]?.run,
                                             isCurrent: state.tasks[address]?.id == id)
            }
            standings.append(standing)
        }
        return decision.verdict(step.run, standings: standings, startingDeadline: task.run.schedule?.startingDeadline)
    }

    /// Records a pending run as passed without a run (skipped or dropped), and reports it.
    private func pass(_ step: PendingStep, because why: String, into advanced: inout Advanced) async throws {
        var rest = await recorder.pending(step.address)
        if let index = rest.firstIndex(of: step.run) { rest.remove(at: index) }
        try await recorder.pend(step.address, runs: rest, passed: step.run.slot)
        let kind: ActionKind = step.action.kind == .noop ? .run : step.action.kind
        advanced.outcomes.append(ActionOutcome(address: step.address, kind: kind, id: step.action.id, status: .skipped(why)))
        advanced.events.append(RunEvent(trigger: .missed, address: step.address, runID: nil, slot: step.run.slot, attempt: 1,
                                        message: "\(step.address): \(why)"))
    }
}
