import BatchTask
@testable import Controller
import JSON
import NIOCore
import Planning
import State
import Testing

/// The controller's pure parts: set statuses, backoff, the status page, the wake-up.
struct StatusModelTests {
    private func state(_ entries: [String: Int32]) -> State {
        var state = State.new(endpoint: "embedded")
        for (address, id) in entries {
            state.tasks[address] = StateEntry(id: id, fingerprint: "f", applied: .object([:]), appliedAt: "2026-12-01T00:00:00Z", source: "s.yaml:1:1")
        }
        return state
    }

    private func live(_ states: [Int32: BatchTaskState]) -> [Int32: BatchTaskInfo] {
        states.mapValues { state in
            var info = BatchTaskInfo()
            info.state = state
            return info
        }
    }

    private func plan(_ actions: [PlannedAction] = [], drift: [DriftItem] = []) -> Plan {
        Plan(actions: actions, orphans: [], drift: drift, stateLineage: nil, stateSerial: nil, endpoint: "embedded", refreshed: true)
    }

    @Test func healthIsTheWorstOfTheSetsTasks() {
        let entries = state(["a/one": 1, "a/two": 2, "b/one": 3, "c/one": 4, "d/one": 5, "d/two": 6])
        let statuses = StatusModel.sets(
            [("a", 2), ("b", 1), ("c", 1), ("d", 2)], plan: plan(), state: entries,
            live: live([1: .succeeded, 2: .succeededManualCleanup, 3: .started, 4: .failed, 5: .succeeded]), applied: [])
        let health = Dictionary(uniqueKeysWithValues: statuses.map { ($0.name, $0.health) })
        #expect(health == ["a": .healthy, "b": .progressing, "c": .degraded, "d": .missing])
        #expect(statuses.first { $0.name == "d" }?.states == ["Succeeded": 1, "Missing": 1])
        #expect(statuses.allSatisfy { $0.sync == .synced })
    }

    @Test func plannedChangesAndDriftMakeASetOutOfSyncUntilApplied() {
        let entries = state(["a/one": 1, "b/one": 2])
        let update = PlannedAction(address: "a/one", kind: .update, id: 1)
        let drifted = DriftItem(address: "b/one", id: 2, kind: .modified, changes: [])
        let planned = plan([update, PlannedAction(address: "b/one", kind: .noop, id: 2)], drift: [drifted])
        let before = StatusModel.sets([("a", 1), ("b", 1)], plan: planned, state: entries, live: live([1: .succeeded, 2: .succeeded]), applied: [])
        #expect(before.map(\.sync) == [.outOfSync, .outOfSync])
        #expect(before[1].drifted == ["b/one"])
        #expect(before[0].planned == ["update": 1])

        let applied = StatusModel.sets([("a", 1), ("b", 1)], plan: planned, state: entries, live: live([1: .succeeded, 2: .succeeded]),
                                       applied: [ActionKindOutcome(address: "a/one", kind: .update, succeeded: true)])
        #expect(applied.map(\.sync) == [.synced, .outOfSync], "drift left alone stays out of sync")

        let failed = StatusModel.sets([("a", 1)], plan: planned, state: entries, live: live([1: .succeeded]),
                                      applied: [ActionKindOutcome(address: "a/one", kind: .update, succeeded: false)])
        #expect(failed.first?.sync == .outOfSync)
    }

    @Test func scheduledRunsAndRegistrationsAreNotSyncChanges() {
        let due = PlannedAction(address: "a/one", kind: .run, id: 1, reason: "due", slot: "2026-12-02T02:00:00Z")
        let asked = PlannedAction(address: "a/one", kind: .run, id: 1, reason: "fields changed")
        #expect(!StatusModel.isSyncChange(due))
        #expect(StatusModel.isSyncChange(asked))
        #expect(!StatusModel.isSyncChange(PlannedAction(address: "a/x", kind: .schedule)))
        #expect(StatusModel.isSyncChange(PlannedAction(address: "a/x", kind: .delete, id: 3)))
    }

    @Test func withoutAPlanOrTheServerTheStatusIsUnknown() {
        let statuses = StatusModel.sets([("a", 3)], plan: nil, state: nil, live: nil, applied: [])
        #expect(statuses == [SetStatus(name: "a", sync: .unknown, health: .unknown, taskCount: 3)])
    }

    @Test func setsOnlyTheStateKnowsAreListed() {
        let statuses = StatusModel.sets([("a", 1)], plan: plan(), state: state(["a/one": 1, "gone/one": 2]),
                                        live: live([1: .succeeded, 2: .succeeded]), applied: [])
        #expect(statuses.map(\.name) == ["a", "gone"])
        #expect(statuses[1].taskCount == 0)
    }
}

struct BackoffTests {
    @Test func failuresBackOffThreefoldToFiveMinutes() {
        let backoff = Backoff(interval: .seconds(60), jitter: 0)
        #expect((0...7).map { backoff.delay(failures: $0) } == [
            .seconds(60), .seconds(2), .seconds(6), .seconds(18), .seconds(54), .seconds(162), .seconds(300), .seconds(300),
        ])
        #expect(backoff.delay(failures: 1000) == .seconds(300))
    }

    @Test func jitterStaysWithinItsFraction() {
        let backoff = Backoff(interval: .seconds(10), jitter: 0.1)
        #expect(backoff.jittered(.seconds(10), draw: 1) == .seconds(11))
        #expect(backoff.jittered(.seconds(10), draw: -1) == .seconds(9))
        #expect(backoff.jittered(.seconds(10), draw: 0) == .seconds(10))
        #expect(Backoff(interval: .seconds(10), jitter: 5).jittered(.seconds(10), draw: -1) == .zero, "at most the whole wait")
    }
}

struct StatusPageTests {
    private func status() -> ControllerStatus {
        var status = ControllerStatus(workspace: "prod", endpoint: "https://example.com/Cust1", stateDescription: "postgres://db/batchctl",
                                      mode: "Applies changes", leading: false, leader: "pid 7 on web-1 since 2026-12-02T00:00:00Z",
                                      started: "2026-12-02T00:00:00Z", interval: .seconds(60))
        status.sets = [SetStatus(name: "nightly", sync: .outOfSync, health: .degraded, taskCount: 3, states: ["Failed": 1, "Succeeded": 2],
                                 drifted: ["nightly/<b>x</b>"])]
        status.record(ControllerEvent(kind: .driftDetected, message: "1 task changed: nightly/<b>x</b> & more"))
        return status
    }

    @Test func thePageShowsEachSetAndEscapesWhatItShows() {
        let html = StatusPage.html(status(), refresh: 30)
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"))
        #expect(html.contains("<td><strong>nightly</strong></td><td><span class=\"badge OutOfSync\">OutOfSync</span></td><td><span class=\"badge Degraded\">Degraded</span></td>"))
        #expect(html.contains("1 Failed, 2 Succeeded"))
        #expect(html.contains("nightly/&lt;b&gt;x&lt;/b&gt;"))
        #expect(html.contains("&amp; more"))
        #expect(!html.contains("<b>x</b>"), "nothing of the data is markup")
        #expect(!html.contains("<script"))
        #expect(html.contains("Following pid 7 on web-1"))
    }

    @Test func escapingCoversAttributesToo() {
        #expect(StatusPage.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test func theStatusDocumentListsEventsNewestFirst() throws {
        var status = status()
        status.record(ControllerEvent(time: "2026-12-02T01:00:00Z", kind: .deployed, message: "applied 1 update"))
        let json = status.json
        #expect(json["events"]?[0]?["kind"]?.stringValue == "deployed")
        #expect(json["sets"]?[0]?["drifted"] == .array(["nightly/<b>x</b>"]))
        #expect(json["leading"] == .bool(false))
        for _ in 0..<150 { status.record(ControllerEvent(kind: .notice, message: "n")) }
        #expect(status.events.count == ControllerStatus.eventLimit)
    }
}

struct WakerTests {
    @Test func aWakeEndsThePauseAndOneWhileBusyIsKept() async {
        let waker = Waker()
        let clock = ContinuousClock()
        waker.wake()
        let kept = await clock.measure { await waker.pause(for: .seconds(30)) }
        #expect(kept < .seconds(5), "a wake before the pause ends it at once")

        let woken = Task { await clock.measure { await waker.pause(for: .seconds(30)) } }
        try? await Task.sleep(for: .milliseconds(100))
        waker.wake()
        // Far under the 30 s pause; a loaded machine may take seconds to run the woken task again.
        #expect(await woken.value < .seconds(20))

        let timed = await clock.measure { await waker.pause(for: .milliseconds(50)) }
        #expect(timed >= .milliseconds(50))
    }
}

struct ReconcileRequestTests {
    @Test func onlyThisMachineMayAskForACycle() throws {
        #expect(ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "127.0.0.1", port: 5000)))
        #expect(ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "127.8.9.10", port: 5000)))
        #expect(ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "::1", port: 5000)))
        #expect(!ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "10.0.0.7", port: 5000)))
        #expect(!ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "::ffff:10.0.0.7", port: 5000)))
        #expect(!ControllerRequestContext.isLoopback(try SocketAddress(ipAddress: "fe80::1", port: 5000)))
        #expect(!ControllerRequestContext.isLoopback(nil))
    }
}
