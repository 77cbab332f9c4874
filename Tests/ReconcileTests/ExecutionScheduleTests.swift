import Planning
@testable import Reconcile
import Testing

/// The executor's scheduling alone: no server, no journal, events in and actions out.
struct ExecutionScheduleTests {
    /// Actions as lines that read like the run would: `launch a b`, `skip c: why`, `finished`, `unreached d: why`.
    static func lines(_ actions: [ExecutionSchedule.Action]) -> [String] {
        actions.flatMap { action -> [String] in
            switch action {
            case .launch(let steps):
                return ["launch " + steps.map { $0.waitOnly ? "wait:\($0.address)" : $0.address }.joined(separator: " ")]
            case .report(let outcomes):
                return outcomes.map { "skip \($0.address): \(reason($0))" }
            case .finished(let unreached):
                return unreached.map { "unreached \($0.address): \(reason($0))" } + ["finished"]
            }
        }
    }

    static func reason(_ outcome: ActionOutcome) -> String {
        if case .skipped(let why) = outcome.status { return why }
        return "not a skip: \(outcome.status)"
    }

    static func schedule(_ actions: [PlannedAction], dependsOn: [String: [String]] = [:], wait: Bool = false,
                         parallelism: Int = 10) -> ExecutionSchedule {
        ExecutionSchedule(actions: actions, wait: wait, parallelism: parallelism) { dependsOn[$0] ?? [] }
    }

    static func creates(_ addresses: String...) -> [PlannedAction] {
        addresses.map { PlannedAction(address: $0, kind: .create) }
    }

    @Test func independentStepsStartInPlanOrder() {
        var schedule = Self.schedule(Self.creates("s/c", "s/a", "s/b"), parallelism: 1)
        #expect(Self.lines(schedule.start()) == ["launch s/c"])
        #expect(Self.lines(schedule.stepFinished(address: "s/c", succeeded: true)) == ["launch s/a"])
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == ["launch s/b"])
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: true)) == ["finished"])
    }

    @Test func neverMoreThanParallelismAtOnce() {
        var schedule = Self.schedule(Self.creates("s/1", "s/2", "s/3", "s/4", "s/5"), parallelism: 2)
        #expect(Self.lines(schedule.start()) == ["launch s/1 s/2"])
        #expect(Self.lines(schedule.stepFinished(address: "s/2", succeeded: true)) == ["launch s/3"])
        // A failure frees its slot just as a success does.
        #expect(Self.lines(schedule.stepFinished(address: "s/1", succeeded: false)) == ["launch s/4"])
        #expect(Self.lines(schedule.stepFinished(address: "s/3", succeeded: true)) == ["launch s/5"])
        #expect(Self.lines(schedule.stepFinished(address: "s/4", succeeded: true)) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/5", succeeded: true)) == ["finished"])
    }

    @Test func movesAndNoOpsAreNotSteps() {
        let actions = [
            PlannedAction(address: "s/moved", kind: .move, id: 1, movedFrom: "s/old"),
            PlannedAction(address: "s/same", kind: .noop, id: 2),
            PlannedAction(address: "s/new", kind: .create),
        ]
        var schedule = Self.schedule(actions)
        #expect(schedule.steps.map(\.address) == ["s/new"])
        #expect(Self.lines(schedule.start()) == ["launch s/new"])
    }

    @Test func aFailureSkipsTheWholeChainOnceWithItsCause() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b", "s/c"), dependsOn: ["s/b": ["s/a"], "s/c": ["s/b"]])
        #expect(Self.lines(schedule.start()) == ["launch s/a"])
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: false)) == [
            "skip s/b: its dependency s/a did not succeed",
            "skip s/c: its dependency s/a did not succeed",
            "finished",
        ])
    }

    @Test func aSkippedOutcomeKeepsTheStepsKindAndId() throws {
        let actions = [PlannedAction(address: "s/a", kind: .create), PlannedAction(address: "s/b", kind: .update, id: 9)]
        var schedule = Self.schedule(actions, dependsOn: ["s/b": ["s/a"]])
        _ = schedule.start()
        let actionsAfter = schedule.stepFinished(address: "s/a", succeeded: false)
        guard case .report(let skipped) = actionsAfter.first else {
            Issue.record("expected a report first, got \(Self.lines(actionsAfter))")
            return
        }
        let outcome = try #require(skipped.first)
        #expect(outcome.kind == .update)
        #expect(outcome.id == 9)
    }

    @Test func aDiamondWaitsForBothSides() {
        let dependsOn = ["s/b": ["s/a"], "s/c": ["s/a"], "s/d": ["s/b", "s/c"]]
        var schedule = Self.schedule(Self.creates("s/d", "s/c", "s/b", "s/a"), dependsOn: dependsOn)
        #expect(Self.lines(schedule.start()) == ["launch s/a"])
        // Released steps start in plan order.
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == ["launch s/c s/b"])
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: true)) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/c", succeeded: true)) == ["launch s/d"])
        #expect(Self.lines(schedule.stepFinished(address: "s/d", succeeded: true)) == ["finished"])
    }

    @Test func aDiamondWithBothSidesFailingSkipsTheJoinOnce() {
        let dependsOn = ["s/b": ["s/a"], "s/c": ["s/a"], "s/d": ["s/b", "s/c"], "s/e": ["s/d"]]
        var schedule = Self.schedule(Self.creates("s/a", "s/b", "s/c", "s/d", "s/e"), dependsOn: dependsOn)
        _ = schedule.start()
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == ["launch s/b s/c"])
        #expect(Self.lines(schedule.stepFinished(address: "s/c", succeeded: false)) == [
            "skip s/d: its dependency s/c did not succeed",
            "skip s/e: its dependency s/c did not succeed",
        ])
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: false)) == ["finished"])
    }

    @Test func aSuccessAfterASkipDoesNotReleaseTheSkipped() {
        let dependsOn = ["s/c": ["s/a", "s/b"]]
        var schedule = Self.schedule(Self.creates("s/a", "s/b", "s/c"), dependsOn: dependsOn)
        #expect(Self.lines(schedule.start()) == ["launch s/a s/b"])
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: false)) == [
            "skip s/c: its dependency s/a did not succeed",
        ])
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: true)) == ["finished"])
    }

    @Test func dependenciesOutsideTheScheduleCountAsDone() {
        var schedule = Self.schedule(Self.creates("s/b"), dependsOn: ["s/b": ["s/unchanged", "other/gone"]])
        #expect(Self.lines(schedule.start()) == ["launch s/b"])
    }

    @Test func withWaitUnchangedDependenciesBecomeWaitOnlySteps() {
        let actions = [
            PlannedAction(address: "s/new", kind: .create),
            PlannedAction(address: "s/base", kind: .noop, id: 7),
            PlannedAction(address: "s/root", kind: .noop, id: 3),
        ]
        // s/base's own dependency is not waited for: only what a scheduled step depends on directly.
        let dependsOn = ["s/new": ["s/base"], "s/base": ["s/root"]]
        var schedule = Self.schedule(actions, dependsOn: dependsOn, wait: true)
        #expect(schedule.steps.map(\.address) == ["s/new", "s/base"])
        #expect(schedule.steps.last?.waitOnly == true)
        #expect(schedule.steps.last?.action.id == 7)
        #expect(Self.lines(schedule.start()) == ["launch wait:s/base"])
        #expect(Self.lines(schedule.stepFinished(address: "s/base", succeeded: true)) == ["launch s/new"])
        #expect(Self.lines(schedule.stepFinished(address: "s/new", succeeded: true)) == ["finished"])
    }

    @Test func aFailedJobOfAWaitOnlyStepSkipsItsDependents() {
        let actions = [PlannedAction(address: "s/new", kind: .create), PlannedAction(address: "s/base", kind: .noop, id: 7)]
        var schedule = Self.schedule(actions, dependsOn: ["s/new": ["s/base"]], wait: true)
        _ = schedule.start()
        #expect(Self.lines(schedule.stepFinished(address: "s/base", succeeded: false)) == [
            "skip s/new: its dependency s/base did not succeed", "finished",
        ])
    }

    @Test func withoutWaitUnchangedDependenciesAreNotSteps() {
        let actions = [PlannedAction(address: "s/new", kind: .create), PlannedAction(address: "s/base", kind: .noop, id: 7)]
        var schedule = Self.schedule(actions, dependsOn: ["s/new": ["s/base"]])
        #expect(schedule.steps.map(\.address) == ["s/new"])
        #expect(Self.lines(schedule.start()) == ["launch s/new"])
    }

    @Test func cancellingLaunchesNothingNewAndReportsTheRestInterrupted() {
        let dependsOn = ["s/after": ["s/1"]]
        var schedule = Self.schedule(Self.creates("s/1", "s/2", "s/3", "s/after"), dependsOn: dependsOn, parallelism: 2)
        #expect(Self.lines(schedule.start()) == ["launch s/1 s/2"])
        #expect(Self.lines(schedule.cancel()) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/1", succeeded: true)) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/2", succeeded: true)) == [
            "unreached s/3: interrupted before it was sent",
            "unreached s/after: interrupted before it was sent",
            "finished",
        ])
    }

    @Test func aFailureAfterCancellingStillSkipsItsDependents() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b"), dependsOn: ["s/b": ["s/a"]])
        _ = schedule.start()
        _ = schedule.cancel()
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: false)) == [
            "skip s/b: its dependency s/a did not succeed", "finished",
        ])
    }

    @Test func cancellingWhileTheLastStepRunsEndsWhenItFinishes() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b"), dependsOn: ["s/b": ["s/a"]])
        _ = schedule.start()
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == ["launch s/b"])
        #expect(Self.lines(schedule.cancel()) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: true)) == ["finished"])
        #expect(Self.lines(schedule.cancel()) == [])
    }

    @Test func cancelledBeforeTheStartNothingIsSent() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b"))
        #expect(Self.lines(schedule.cancel()) == [])
        #expect(Self.lines(schedule.start()) == [
            "unreached s/a: interrupted before it was sent",
            "unreached s/b: interrupted before it was sent",
            "finished",
        ])
    }

    @Test func anEmptyPlanFinishesAtTheStart() {
        var schedule = Self.schedule([])
        #expect(schedule.steps.isEmpty)
        #expect(Self.lines(schedule.start()) == ["finished"])
        #expect(Self.lines(schedule.start()) == [])
    }

    @Test func stepsInACycleAreNotReached() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b", "s/c"), dependsOn: ["s/a": ["s/b"], "s/b": ["s/a"]])
        #expect(Self.lines(schedule.start()) == ["launch s/c"])
        #expect(Self.lines(schedule.stepFinished(address: "s/c", succeeded: true)) == [
            "unreached s/a: not reached", "unreached s/b: not reached", "finished",
        ])
    }

    @Test func anAnswerForAStepThatIsNotRunningIsIgnored() {
        var schedule = Self.schedule(Self.creates("s/a", "s/b"), dependsOn: ["s/b": ["s/a"]])
        _ = schedule.start()
        #expect(Self.lines(schedule.stepFinished(address: "s/b", succeeded: true)) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/unknown", succeeded: false)) == [])
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == ["launch s/b"])
        #expect(Self.lines(schedule.stepFinished(address: "s/a", succeeded: true)) == [])
    }
}
