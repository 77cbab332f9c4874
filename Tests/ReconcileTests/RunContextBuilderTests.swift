import BatchTask
import DesiredTasks
import Diagnostics
import State
import Testing
@testable import Reconcile

/// What a run knows of itself when it starts: its slot in the schedule's wall clock, the slots of the runs before it.
@Suite struct RunContextBuilderTests {
    private let berlin = RunContextBuilder(timeZone: "Europe/Berlin")

    /// An entry whose current run is for `slot`, after runs for `history` (slot, outcome).
    private func entry(slot: String?, outcome: RunOutcome? = nil, attempt: Int = 1,
                       history: [(String, RunOutcome?)] = []) -> StateEntry {
        var entry = StateEntry(id: 9, fingerprint: "f", applied: .object([:]), appliedAt: "2030-01-01T05:00:07Z", source: "s.yaml:1:1")
        entry.slot = slot
        entry.outcome = outcome
        entry.attempt = attempt
        entry.history = history.enumerated().map { index, run in
            PastRun(id: Int32(index + 1), startedAt: run.0, slot: run.0, outcome: run.1)
        }
        return entry
    }

    @Test func theFirstRunKnowsOnlyItsSlot() {
        let context = berlin.context(slot: "2030-01-01T01:00:00Z", startedAt: "2030-01-01T01:00:30Z", attempt: 1, entry: nil)
        #expect(context == RunContext(slot: "2030-01-01T02:00:00+01:00", previousSlot: nil, lastSucceededSlot: nil, attempt: 1))
    }

    @Test func theNextRunKnowsThePreviousSlotAndTheLastThatSucceeded() {
        let before = entry(slot: "2030-01-01T02:00:00Z", outcome: .failed, history: [("2030-01-01T01:00:00Z", .succeeded)])
        let context = berlin.context(slot: "2030-01-01T03:00:00Z", startedAt: "2030-01-01T03:00:05Z", attempt: 1, entry: before)
        #expect(context.slot == "2030-01-01T04:00:00+01:00")
        #expect(context.previousSlot == "2030-01-01T03:00:00+01:00")
        #expect(context.lastSucceededSlot == "2030-01-01T02:00:00+01:00")
    }

    @Test func aRetryKeepsItsSlotAndCountsNoEarlierAttemptOfIt() {
        let before = entry(slot: "2030-01-01T02:00:00Z", outcome: .failed, history: [("2030-01-01T01:00:00Z", .succeeded)])
        let context = berlin.context(slot: "2030-01-01T02:00:00Z", startedAt: "2030-01-01T02:10:00Z", attempt: 2, entry: before)
        #expect(context == RunContext(slot: "2030-01-01T03:00:00+01:00", previousSlot: "2030-01-01T02:00:00+01:00",
                                      lastSucceededSlot: "2030-01-01T02:00:00+01:00", attempt: 2))
    }

    @Test func aBackfillOfAnOldSlotKnowsOnlyTheRunsBeforeIt() {
        let before = entry(slot: "2030-01-01T05:00:00Z", history: [("2030-01-01T01:00:00Z", .succeeded), ("2030-01-01T04:00:00Z", .succeeded)])
        let context = berlin.context(slot: "2030-01-01T02:00:00Z", startedAt: "2030-01-01T06:00:00Z", attempt: 1, entry: before)
        #expect(context.previousSlot == "2030-01-01T02:00:00+01:00")
    }

    @Test func aRunNotForASlotIsForTheTimeItStarted() {
        let utc = RunContextBuilder(timeZone: nil)
        let before = entry(slot: nil, outcome: .succeeded)
        let context = utc.context(slot: nil, startedAt: "2030-01-02T08:00:00Z", attempt: 1, entry: before)
        #expect(context == RunContext(slot: "2030-01-02T08:00:00Z", previousSlot: "2030-01-01T05:00:07Z",
                                      lastSucceededSlot: "2030-01-01T05:00:07Z", attempt: 1))
    }

    @Test func aRecordedContextNamesTheCurrentRun() {
        var before = entry(slot: nil)
        before.runContext = RunContext(slot: "2030-01-01T05:00:00Z", previousSlot: nil, lastSucceededSlot: nil, attempt: 1)
        let context = RunContextBuilder(timeZone: nil).context(slot: nil, startedAt: "2030-01-02T08:00:00Z", attempt: 1, entry: before)
        #expect(context.previousSlot == "2030-01-01T05:00:00Z")
    }

    @Test func aRunStartResolvesTheTaskOrFailsNamingIt() throws {
        var info = BatchTaskInfo()
        info.name = "N"
        var task = DesiredTask(setName: "s", key: "a", address: "s/a", source: SourceLocation(file: "s.yaml", line: 1, column: 1), info: info)
        task.runTime = RunTimeFields(fields: [.description], templates: "t") { context, info, _ throws(Diagnostic) in
            guard context.attempt < 3 else { throw Diagnostic.error(SourceLocation(file: "s.yaml", line: 4, column: 18), "too many") }
            info.description = "for " + context.slot
        }
        let context = RunContext(slot: "2030-01-01T01:00:00Z", previousSlot: nil, lastSucceededSlot: nil, attempt: 1)
        #expect(try RunStartContext(context: context, at: "x").resolve(task).info.description == "for 2030-01-01T01:00:00Z")
        var third = context
        third.attempt = 3
        #expect(throws: RunFieldsError.self) { try RunStartContext(context: third, at: "x").resolve(task) }
        do {
            _ = try RunStartContext(context: third, at: "x").resolve(task)
        } catch {
            #expect(error.description == "s/a: s.yaml:4:18: error: too many")
        }
    }
}
