import JSON
import Reconcile
@testable import Session
import State
import Testing

/// `schedule suspend` and `resume` as edits of a state in memory.
struct ScheduleSuspensionTests {
    private static let byHand = Suspension(by: "ops@box", at: "2026-12-01T10:00:00Z", reason: "CRM upgrade", afterFailures: false)

    private func entry(_ id: Int32, failures: Int = 0, suspension: Suspension? = nil) -> StateEntry {
        var entry = StateEntry(id: id, fingerprint: "sha256:x", applied: .object([:]), appliedAt: "2026-12-01T02:00:00Z", source: "sets/jobs.yaml:3:5")
        entry.failures = failures
        entry.suspension = suspension
        return entry
    }

    private func state() -> State {
        State(lineage: "l", serial: 3, endpoint: "embedded",
              tasks: ["jobs/import-eu": entry(1), "jobs/import-us": entry(2, failures: 2), "other/report": entry(3)],
              scheduled: ["jobs/fresh": "2026-12-01T00:00:00Z"])
    }

    @Test func suspendRecordsWhoWhenAndWhyOnEachMatchedEntry() throws {
        var state = state()
        let changes = try ScheduleSuspension.suspend(["jobs/import-*"], with: Self.byHand, in: &state)
        #expect(changes.map(\.address) == ["jobs/import-eu", "jobs/import-us"])
        #expect(changes.allSatisfy { $0.changed })
        #expect(state.tasks["jobs/import-eu"]?.suspension == Self.byHand)
        #expect(state.tasks["jobs/import-us"]?.suspension == Self.byHand)
        #expect(state.tasks["jobs/import-us"]?.failures == 2, "suspending leaves the count of failures alone")
        #expect(state.tasks["other/report"]?.suspension == nil)
    }

    @Test func anEntryAlreadySuspendedKeepsItsSuspension() throws {
        let earlier = Suspension(by: "batchctl", at: "2026-11-30T02:00:00Z", reason: "paused after 2 failed runs", afterFailures: true)
        var state = state()
        state.tasks["jobs/import-eu"]?.suspension = earlier
        let changes = try ScheduleSuspension.suspend(["jobs/import-eu"], with: Self.byHand, in: &state)
        #expect(changes == [ScheduleSuspension.Change(address: "jobs/import-eu", before: earlier, failuresBefore: 0, changed: false)])
        #expect(state.tasks["jobs/import-eu"]?.suspension == earlier)
    }

    @Test func resumeClearsTheSuspensionAndTheFailures() throws {
        var state = state()
        state.tasks["jobs/import-us"]?.suspension = Self.byHand
        let changes = try ScheduleSuspension.resume(["jobs/import-us", "jobs/import-eu"], in: &state)
        #expect(changes == [
            ScheduleSuspension.Change(address: "jobs/import-eu", before: nil, failuresBefore: 0, changed: false),
            ScheduleSuspension.Change(address: "jobs/import-us", before: Self.byHand, failuresBefore: 2, changed: true),
        ])
        #expect(state.tasks["jobs/import-us"]?.suspension == nil)
        #expect(state.tasks["jobs/import-us"]?.failures == 0)
    }

    @Test func aScheduledTaskThatNeverRanIsRefusedWithTheManifestWay() {
        var state = state()
        #expect {
            _ = try ScheduleSuspension.suspend(["jobs/fresh"], with: Self.byHand, in: &state)
        } throws: { error in
            let error = error as? SessionError
            return error?.message.contains("has never run") == true && error?.hint?.contains("run.suspend: true") == true
        }
        #expect(state == self.state(), "nothing changes when one address is refused")
    }

    @Test func unknownAddressesAndGlobsMatchingNothingAreRefused() {
        var state = state()
        #expect(throws: SessionError.self) { _ = try ScheduleSuspension.suspend(["jobs/import-eu", "jobs/nope"], with: Self.byHand, in: &state) }
        #expect(state.tasks["jobs/import-eu"]?.suspension == nil)
        #expect { _ = try ScheduleSuspension.resume(["nightly/*"], in: &state) } throws: { error in
            (error as? SessionError)?.message == "no address in the state matches nightly/*"
        }
    }

    @Test func theLockCoversTheSetsTheAddressesNameOrEverySetForAGlobOverSets() {
        #expect(ScheduleSuspension.sets(of: ["jobs/import-*", "other/report", "jobs/x"]) == ["jobs", "other"])
        #expect(ScheduleSuspension.sets(of: ["*/import"]) == nil)
    }
}
