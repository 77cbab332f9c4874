import APIClient
import BatchTask
import DesiredTasks
import Foundation
import JSON
import Planning
import Schedule
import State
import Synchronization

/// How to carry out a plan.
public struct ApplyOptions: Sendable {
    /// Requests in flight at once.
    public var parallelism = 10
    /// Follow each submitted task until its job is Succeeded or Failed; dependents wait for Succeeded.
    public var wait = false
    public var pollInterval: Duration = .milliseconds(500)
    /// How long one job is followed (with `wait`, and after a destroy's Stop) before it is reported unfinished: a
    /// server leaves a job that no handler knows `New` for ever (api.md v3, "Jobs the server does not know").
    public var waitTimeout: Duration = .seconds(3600)
    /// Creates sent at most this often for one task when answers keep getting lost.
    public var maxCreateAttempts = 5
    /// The time pending runs are judged at (their `startingDeadline`), as the plan read the schedules; nil: now.
    public var now: Date?

    public init() {}
}

/// What became of one action.
public struct ActionOutcome: Sendable {
    public enum Status: Sendable, Equatable {
        case succeeded
        case failed(String)
        case skipped(String)
    }

    public var address: String
    public var kind: ActionKind
    public var id: Int32?
    public var status: Status
    /// Extra words for the log line: "job Succeeded", "adopted after a lost answer".
    public var detail: String?
}

/// Told about progress, for the terminal.
public protocol ApplyObserver: Sendable {
    func started(total: Int)
    func finished(_ outcome: ActionOutcome, completed: Int, total: Int)
    /// Every action is done, or will not be started.
    func ended()
}

/// The end of a run: every action's outcome.
public struct ApplyReport: Sendable {
    public var outcomes: [ActionOutcome]
    public var interrupted: Bool
    /// Set when the run stopped sending by itself (the tenant went into maintenance, a sign-in was refused).
    public var stoppedBecause: String?
    /// What happened to runs that someone may be told of: failures, retries, timeouts, pauses, successes.
    public var runEvents: [RunEvent] = []
    /// Addresses that still have a pending run when the pass ends (waiting for what they depend on).
    public var stillPending: [String] = []

    public init(outcomes: [ActionOutcome], interrupted: Bool) {
        self.outcomes = outcomes
        self.interrupted = interrupted
    }

    public var succeeded: Int { outcomes.count { $0.status == .succeeded } }
    public var failed: [ActionOutcome] { outcomes.filter { if case .failed = $0.status { return true } else { return false } } }
    public var skipped: [ActionOutcome] { outcomes.filter { if case .skipped = $0.status { return true } else { return false } } }
}

/// Set from a signal handler: stop sending, let what is in flight finish.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Carries out a plan: in dependency order, up to `parallelism` requests at once, every intent and outcome journaled.
///
/// It does not decide what to do; the plan did. One failed action does not stop the others.
public struct Executor: Sendable {
    let client: BatchTaskClient
    let recorder: StateRecorder
    let desired: [String: DesiredTask]
    let options: ApplyOptions
    let observer: (any ApplyObserver)?
    let cancellation: CancellationFlag
    /// Why the run stopped sending by itself, when it did.
    private let stopReason = StopReason()
    /// What happened to runs, for `ApplyReport.runEvents`.
    private let events = Events()

    private final class Events: Sendable {
        private let list = Mutex<[RunEvent]>([])

        func add(_ new: [RunEvent]) { list.withLock { $0 += new } }
        var all: [RunEvent] { list.withLock { $0 } }
    }

    private final class StopReason: Sendable {
        private let reason = Mutex<String?>(nil)

        func withLock<T>(_ body: (inout String?) -> T) -> T { reason.withLock { body(&$0) } }
    }

    public init(client: BatchTaskClient, recorder: StateRecorder, desired: [String: DesiredTask], options: ApplyOptions,
                observer: (any ApplyObserver)?, cancellation: CancellationFlag) {
        self.client = client
        self.recorder = recorder
        self.desired = desired
        self.options = options
        self.observer = observer
        self.cancellation = cancellation
    }

    public func run(_ plan: Plan) async -> ApplyReport {
        var outcomes: [ActionOutcome] = []
        // Moves touch only the state: do them first, so later steps see the new addresses.
        for action in plan.actions where action.kind == .move {
            outcomes.append(await move(action))
        }
        // Imports too, once the moves are carried; what follows an import that failed does not start.
        let imported = await importTasks(plan.actions.filter { $0.kind == .import })
        outcomes += imported.outcomes
        var plan = plan
        if !imported.failed.isEmpty {
            for action in plan.actions where action.kind != .import && imported.failed.contains(action.address) {
                outcomes.append(ActionOutcome(address: action.address, kind: action.kind, id: action.id,
                                              status: .skipped("its import failed")))
            }
            plan.actions.removeAll { $0.kind != .import && imported.failed.contains($0.address) }
        }
        // Registering a scheduled task, and forgetting one, touch only the state too.
        for address in plan.unscheduled { await recorder.unschedule(address) }
        for action in plan.actions where action.kind == .schedule {
            await recorder.schedule(action.address, since: action.slot ?? Timestamp.now())
            outcomes.append(ActionOutcome(address: action.address, kind: .schedule, id: nil, status: .succeeded))
        }
        // Runs are settled before anything starts: a failure is counted before a due slot's run takes its place.
        await settle(plan.looks)
        let advanced = await advance(plan)
        outcomes += advanced.outcomes
        var schedule = ExecutionSchedule(actions: plan.actions + advanced.starts, wait: options.wait, parallelism: options.parallelism) {
            desired[$0]?.dependsOn ?? []
        }
        let total = outcomes.count + schedule.steps.count
        observer?.started(total: total)
        for outcome in outcomes { observer?.finished(outcome, completed: outcomes.count, total: total) }

        var unreached: [ActionOutcome] = []
        // Timed here rather than asked of the recorder after every action: that was a hop to it per action.
        var lastCheckpoint = ContinuousClock.now
        await withTaskGroup(of: ActionOutcome.self) { group in
            func finished(_ outcome: ActionOutcome) {
                outcomes.append(outcome)
                observer?.finished(outcome, completed: outcomes.count, total: total)
            }
            /// Carries out the schedule's actions; false once it has finished.
            func carryOut(_ actions: [ExecutionSchedule.Action]) -> Bool {
                for action in actions {
                    switch action {
                    case .launch(let steps):
                        for step in steps { group.addTask { await perform(step) } }
                    case .report(let skipped):
                        skipped.forEach(finished)
                    case .finished(let rest):
                        unreached = rest
                        return false
                    }
                }
                return true
            }
            // The flag is set from a signal handler or by a failed journal write: the schedule hears of it
            // before each decision.
            if cancellation.isCancelled { _ = schedule.cancel() }
            guard carryOut(schedule.start()) else { return }
            while let outcome = await group.next() {
                finished(outcome)
                if ContinuousClock.now - lastCheckpoint >= recorder.checkpointInterval {
                    try? await recorder.checkpoint()
                    lastCheckpoint = .now
                }
                let actions = (cancellation.isCancelled ? schedule.cancel() : [])
                    + schedule.stepFinished(address: outcome.address, succeeded: outcome.status == .succeeded)
                guard carryOut(actions) else { return }
            }
        }
        observer?.ended()
        outcomes += unreached
        var report = ApplyReport(outcomes: outcomes, interrupted: !unreached.isEmpty || cancellation.isCancelled)
        report.stoppedBecause = stopReason.withLock { $0 }
        report.runEvents = events.all
        report.stillPending = advanced.stillPending
        return report
    }

    /// The held runs that wait for a start of this plan (or for such a held run), which a followed schedule orders;
    /// and the pending steps left to advance.
    private static func followed(_ plan: Plan) -> (followed: [PendingStep], rest: [PendingStep]) {
        var starting = Set(plan.actions.lazy.filter { [.create, .replace, .run].contains($0.kind) }.map(\.address))
        var followed: [PendingStep] = []
        var rest = plan.pending
        while let index = rest.firstIndex(where: { $0.isNew && $0.run.waitsFor.contains(where: starting.contains) }) {
            let step = rest.remove(at: index)
            starting.insert(step.address)
            followed.append(step)
        }
        return (followed, rest)
    }

    /// Records the runs the plan holds and advances every pending run: the ready ones join this pass's actions. A
    /// state that cannot be written stops the run.
    private func advance(_ plan: Plan) async -> PendingAdvance.Advanced {
        guard !plan.pending.isEmpty, !cancellation.isCancelled else { return PendingAdvance.Advanced() }
        // Following the jobs itself (`wait`), the schedule starts a held run after what it waits for, as it always did.
        let (followed, steps) = options.wait ? Self.followed(plan) : ([], plan.pending)
        do {
            var advanced = try await PendingAdvance(client: client, recorder: recorder, desired: desired)
                .advance(steps, actions: plan.actions, now: options.now ?? Date())
            advanced.starts = followed.map(\.action) + advanced.starts
            events.add(advanced.events)
            return advanced
        } catch {
            cancellation.cancel()
            return PendingAdvance.Advanced(stillPending: Array(Set(plan.pending.map(\.address))).sorted())
        }
    }

    /// Looks at each run and settles those that ended or ran past their timeout. A run that cannot be read now is
    /// looked at again next time; a state that cannot be written stops the run.
    private func settle(_ looks: [RunLook]) async {
        let settler = RunSettler(client: client, recorder: recorder)
        @Sendable func settle(_ look: RunLook) async {
            guard !cancellation.isCancelled, let task = desired[look.address] else { return }
            do {
                if let settled = try await settler.look(task, id: look.id) { events.add(settled.events) }
            } catch is ClientError {
                return
            } catch {
                cancellation.cancel()
            }
        }
        // Up to `parallelism` looks at once; each address is looked at once, so no two settle the same entry.
        await withTaskGroup(of: Void.self) { group in
            var pending = looks[...]
            for _ in 0..<max(1, options.parallelism) {
                guard let look = pending.popFirst() else { break }
                group.addTask { await settle(look) }
            }
            while await group.next() != nil {
                guard let look = pending.popFirst() else { continue }
                group.addTask { await settle(look) }
            }
        }
    }

    // MARK: - Actions

    private func perform(_ step: ExecutionSchedule.Step) async -> ActionOutcome {
        let action = step.action
        func outcome(_ status: ActionOutcome.Status, id: Int32?, detail: String? = nil) -> ActionOutcome {
            ActionOutcome(address: action.address, kind: action.kind, id: id, status: status, detail: detail)
        }
        do {
            if step.waitOnly {
                guard let id = action.id else { return outcome(.succeeded, id: nil) }
                let (status, detail) = try await waitForJob(id, address: action.address)
                return outcome(status, id: id, detail: detail)
            }
            guard let task = desired[action.address] ?? deletionTarget(action) else {
                return outcome(.failed("no desired task for \(action.address)"), id: action.id)
            }
            var id = action.id
            var detail: String?
            switch action.kind {
            case .create:
                (id, detail) = try await create(task, slot: action.slot, attempt: action.attempt)
            case .run:
                switch try await startRun(task, after: action.id, slot: action.slot, attempt: action.attempt) {
                case .started(let newID, let note):
                    (id, detail) = (newID, note)
                case .refused(let why):
                    return outcome(.skipped(why), id: action.id)
                }
            case .update:
                guard let existing = action.id else { return outcome(.failed("no id to update"), id: nil) }
                try await update(task, id: existing)
            case .replace:
                guard let old = action.id else { return outcome(.failed("no id to replace"), id: nil) }
                // The replacement knows the runs before it, which the delete takes from the state.
                let start = await runStart(task, slot: action.slot, attempt: 1)
                if action.createBeforeDestroy {
                    let deposed = StateAddress.deposed(action.address, id: old)
                    let sequence = try await recorder.intent(.move, address: action.address, id: old, fingerprint: nil)
                    try await recorder.outcome(sequence, address: action.address, .moved(to: deposed))
                    (id, detail) = try await create(task, start: start)
                    try await delete(address: deposed, id: old)
                } else {
                    try await delete(address: action.address, id: old)
                    (id, detail) = try await create(task, start: start)
                }
            case .delete:
                guard let existing = action.id else { return outcome(.failed("no id to delete"), id: nil) }
                try await delete(address: action.address, id: existing)
                return outcome(.succeeded, id: existing)
            case .move, .import, .noop, .schedule:
                return outcome(.succeeded, id: id)
            }
            if options.wait, let id {
                guard action.kind != .update else {
                    let (status, jobDetail) = try await waitForJob(id, address: action.address)
                    return outcome(status, id: id, detail: [detail, jobDetail].compactMap { $0 }.joined(separator: "; "))
                }
                let (status, jobDetail, last) = try await followRun(task, id: id)
                return outcome(status, id: last, detail: [detail, jobDetail].compactMap { $0 }.joined(separator: "; "))
            }
            return outcome(.succeeded, id: id, detail: detail)
        } catch let error as UnfinishedJob {
            return outcome(.failed(error.description), id: action.id)
        } catch let error as RunFieldsError {
            return outcome(.failed(error.description), id: action.id)
        } catch let error as ClientError {
            // A refused sign-in or a tenant gone into maintenance fails every request after it the same way.
            if error.stopsRun {
                stopReason.withLock { $0 = $0 ?? error.description }
                cancellation.cancel()
            }
            return outcome(.failed(error.description), id: action.id)
        } catch {
            cancellation.cancel()  // the journal or state cannot be written: stop sending
            return outcome(.failed("\(error)"), id: action.id)
        }
    }

    /// Deletes have no desired task; the executor works from the plan alone.
    private func deletionTarget(_ action: PlannedAction) -> DesiredTask? {
        guard action.kind == .delete else { return nil }
        return DesiredTask(setName: "", key: "", address: action.address, source: .init(file: "", line: 0, column: 0),
                           info: BatchTaskInfo(), redactions: [:], dependsOn: [], lifecycle: Lifecycle())
    }

    private func move(_ action: PlannedAction) async -> ActionOutcome {
        guard let from = action.movedFrom else {
            return ActionOutcome(address: action.address, kind: .move, id: action.id, status: .failed("no source address"))
        }
        do {
            let sequence = try await recorder.intent(.move, address: from, id: action.id, fingerprint: nil)
            try await recorder.outcome(sequence, address: from, .moved(to: action.address))
            return ActionOutcome(address: action.address, kind: .move, id: action.id, status: .succeeded, detail: "from \(from)")
        } catch {
            return ActionOutcome(address: action.address, kind: .move, id: action.id, status: .failed("\(error)"))
        }
    }

    /// How a run that was asked for went.
    private enum RunStart {
        case started(Int32, String?)
        /// Not started: the current run is in progress and the policy forbids another.
        case refused(String)
    }

    /// Starts a new run of `task`, honouring its concurrency policy against the current run `current`, then
    /// deletes the finished runs beyond its history.
    private func startRun(_ task: DesiredTask, after current: Int32?, slot: String?, attempt: Int = 1) async throws -> RunStart {
        var notes: [String] = []
        if let current, task.run.concurrency != .allow, let live = try await client.get(current), let state = live.state {
            await recorder.noteState(state.rawValue, id: current, address: task.address)
            if state.isInProgress {
                switch task.run.concurrency {
                case .forbid:
                    return .refused("run \(current) is still \(state.rawValue), and concurrency is forbid: it was not started again (concurrency: replace stops the current run first)")
                case .replace:
                    let stopped = live.canBeStopped ? (try? await client.stop(current)) ?? false : false
                    notes.append(stopped ? "stopped run \(current) first" : "run \(current) could not be stopped; started beside it")
                case .allow:
                    break
                }
            }
        }
        let (id, detail) = try await create(task, as: .run, after: current, slot: slot, attempt: attempt)
        if let detail { notes.append(detail) }
        if let trimmed = try await trimHistory(task.address, keep: task.run.history) { notes.append(trimmed) }
        return .started(id, notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// Deletes the oldest finished runs beyond `keep`, in one request where there are several; a run still New,
    /// Aquired or Started (or whose State cannot be read) is kept. Returns a note for the log line.
    private func trimHistory(_ address: String, keep: Int) async throws -> String? {
        guard let entry = await recorder.entry(address), entry.history.count > keep else { return nil }
        var finished: [Int32] = []
        var kept = 0
        for run in entry.history.prefix(entry.history.count - keep) {
            if let known = run.state.map(BatchTaskState.init(rawValue:)), known.isFinished {
                finished.append(run.id)
                continue
            }
            guard let live = try await client.get(run.id) else {
                finished.append(run.id)  // already gone: only the state still names it
                continue
            }
            if let state = live.state {
                await recorder.noteState(state.rawValue, id: run.id, address: address)
                if state.isFinished {
                    finished.append(run.id)
                    continue
                }
            }
            kept += 1
        }
        if !finished.isEmpty { try await deleteRuns(finished, of: address) }
        let deleted = finished.isEmpty ? nil : "deleted \(finished.count) old run\(finished.count == 1 ? "" : "s")"
        let waiting = kept == 0 ? nil : "kept \(kept) old run\(kept == 1 ? "" : "s") still in progress"
        let note = [deleted, waiting].compactMap { $0 }.joined(separator: "; ")
        return note.isEmpty ? nil : note
    }

    /// Deletes history runs of `address`, each journaled first; one `DeleteBatchTasks` request for several.
    func deleteRuns(_ ids: [Int32], of address: String) async throws {
        var sequences: [Int] = []
        for id in ids { sequences.append(try await recorder.intent(.deleteRun, address: address, id: id, fingerprint: nil)) }
        do {
            if ids.count == 1, let id = ids.first {
                _ = try await client.delete(id)
            } else {
                try await client.delete(ids: ids)
            }
            try await recorder.removedRuns(sequences, address: address, ids: Set(ids))
        } catch {
            for sequence in sequences { try await recorder.outcome(sequence, address: address, .failed("\(error)")) }
            throw error
        }
    }

    /// POSTs the task; when the answer is lost, looks for what the server made before sending again. `as: .run`
    /// makes the task a new run after `current`, which joins the history.
    private func create(_ desiredTask: DesiredTask, as kind: JournalAction = .create, after current: Int32? = nil,
                        slot: String? = nil, attempt: Int = 1, start: RunStartContext? = nil) async throws -> (Int32, String?) {
        let start = if let start { start } else { await runStart(desiredTask, slot: slot, attempt: attempt) }
        let task = try start.resolve(desiredTask)
        let record = task.record(recorder.secrets)
        let fingerprint = record.fingerprint
        func made(_ sequence: Int, _ id: Int32) async throws {
            var entry = task.stateEntry(id: id, record: record, slot: slot, attempt: attempt)
            entry.runContext = start.context
            if kind == .run {
                try await recorder.ran(sequence, address: task.address, entry)
            } else {
                try await recorder.outcome(sequence, address: task.address, .created(entry))
            }
        }
        for sending in 1...max(1, options.maxCreateAttempts) {
            let sequence = try await recorder.intent(kind, address: task.address, id: current, fingerprint: fingerprint,
                                                     slot: slot, attempt: attempt, at: start.at)
            let sentAt = Date()
            do {
                let id = record.isRequestBody ? try await client.create(json: record.text) : try await client.create(task.info)
                try await made(sequence, id)
                return (id, sending > 1 ? "after \(sending) attempts" : nil)
            } catch let lost as ClientError where lost.isOutcomeUnknown {
                let why = lost.detail
                let owned = await recorder.ownedIds()
                if let id = try await Recovery.findCreated(task, since: sentAt, owned: owned, client: client) {
                    try await made(sequence, id)
                    return (id, "adopted after a lost answer")
                }
                if sending == options.maxCreateAttempts {
                    try await recorder.outcome(sequence, address: task.address, .failed("answer lost \(sending) times: \(why)"))
                    throw ClientError.outcomeUnknown("the answer was lost \(sending) times and the server holds no such task: \(why)")
                }
                try await recorder.outcome(sequence, address: task.address, .failed("answer lost, and the server made no task: sending again"))
            } catch {
                try await recorder.outcome(sequence, address: task.address, .failed("\(error)"))
                throw error
            }
        }
        throw ClientError.outcomeUnknown("no attempt was made")
    }

    private func update(_ desiredTask: DesiredTask, id: Int32) async throws {
        // The run goes on as it started: its fields that use `${run.*}` keep what it knew of itself.
        let known = await recorder.entry(desiredTask.address).flatMap { $0.id == id ? $0 : nil }
        let builder = RunContextBuilder(task: desiredTask)
        let now = Timestamp.now()
        let context = desiredTask.runTime == nil ? nil
            : known.map { $0.runContext ?? builder.current(of: $0) } ?? builder.context(slot: nil, startedAt: now, attempt: 1, entry: nil)
        let task = try RunStartContext(context: context, at: now).resolve(desiredTask)
        let record = task.record(recorder.secrets)
        let fingerprint = record.fingerprint
        let sequence = try await recorder.intent(.update, address: task.address, id: id, fingerprint: fingerprint)
        do {
            _ = try await client.update(id, task.info)
            var entry = task.stateEntry(id: id, record: record)
            entry.runContext = context
            if let current = await recorder.entry(task.address), current.id == id { entry.carryRun(of: current) }
            try await recorder.outcome(sequence, address: task.address, .updated(entry))
        } catch {
            try await recorder.outcome(sequence, address: task.address, .failed("\(error)"))
            throw error
        }
    }

    /// The time a run starts at and, for a task whose fields use `${run.*}`, what it knows of itself.
    private func runStart(_ task: DesiredTask, slot: String?, attempt: Int) async -> RunStartContext {
        let at = Timestamp.now()
        guard task.runTime != nil else { return RunStartContext(context: nil, at: at) }
        let entry = await recorder.entry(task.address)
        return RunStartContext(context: RunContextBuilder(task: task).context(slot: slot, startedAt: at, attempt: attempt, entry: entry),
                               at: at)
    }

    /// Stops the job where it can be stopped, then deletes the task; a task already gone counts as deleted.
    func delete(address: String, id: Int32) async throws {
        if let history = await recorder.entry(address)?.history, !history.isEmpty {
            try await deleteRuns(history.map(\.id), of: address)
        }
        if let current = try await client.get(id), current.canBeStopped,
           !(current.state?.isFinished ?? true), (try? await client.stop(id)) == true {
            try await waitUntilStopped(id, address: address)
        }
        let sequence = try await recorder.intent(.delete, address: address, id: id, fingerprint: nil)
        do {
            _ = try await client.delete(id)
            try await recorder.outcome(sequence, address: address, .deleted)
        } catch {
            try await recorder.outcome(sequence, address: address, .failed("\(error)"))
            throw error
        }
    }

    /// What following a job came to.
    private enum Followed {
        case finished(BatchTaskInfo)
        case gone
        case late(BatchTaskInfo)
        case interrupted
    }

    /// Polls task `id` until its job finishes, the task is gone, `waitTimeout` has passed or the run is interrupted.
    /// `finished` says which tasks count as done.
    private func follow(_ id: Int32, until end: ContinuousClock.Instant? = nil,
                        finished: (BatchTaskInfo) -> Bool) async throws -> Followed {
        let clock = ContinuousClock()
        let deadline = end ?? clock.now + options.waitTimeout
        while true {
            guard let current = try await client.get(id) else { return .gone }
            if finished(current) { return .finished(current) }
            if clock.now >= deadline { return .late(current) }
            if cancellation.isCancelled { return .interrupted }
            try await Task.sleep(for: min(options.pollInterval, max(deadline - clock.now, .milliseconds(10))))
        }
    }

    /// Follows the job until it finishes, or `waitTimeout` has passed.
    private func waitForJob(_ id: Int32, address: String) async throws -> (ActionOutcome.Status, String?) {
        switch try await follow(id, finished: { $0.state?.isFinished ?? false }) {
        case .gone:
            return (.failed("task \(id) disappeared while waiting"), nil)
        case .late(let current):
            return (.failed(Self.unfinished(current, id: id, after: options.waitTimeout)), nil)
        case .interrupted:
            return (.skipped("interrupted while waiting for the job"), nil)
        case .finished(let current):
            let state = current.state ?? .unknown
            await recorder.noteState(state.rawValue, id: id, address: address)
            if state == .failed {
                // A job's Result may echo what it was sent, secrets included.
                let result = current.result.map { desired[address]?.redacting($0) ?? $0 }
                return (.failed("job Failed" + (result.map { ": \($0)" } ?? "")), nil)
            }
            return (.succeeded, "job \(state.rawValue)")
        }
    }

    /// Follows a run of `task` through its retries: each attempt until it ends or reaches its `run.timeout` (then it
    /// is stopped), settled as `run --due` settles it; a failure with retries left waits for its backoff and starts
    /// the next attempt. All of it within `waitTimeout`. Returns the id of the last attempt too.
    private func followRun(_ task: DesiredTask, id first: Int32) async throws -> (ActionOutcome.Status, String?, Int32) {
        let settler = RunSettler(client: client, recorder: recorder)
        let end = ContinuousClock.now + options.waitTimeout
        var id = first
        var notes: [String] = []
        // A failure's words say what came before it: the attempts it follows.
        func status(_ status: ActionOutcome.Status, _ detail: String? = nil) -> (ActionOutcome.Status, String?, Int32) {
            if case .failed(let why) = status { return (.failed((notes + [why]).joined(separator: "; ")), nil, id) }
            let all = notes + [detail].compactMap { $0 }
            return (status, all.isEmpty ? nil : all.joined(separator: "; "), id)
        }
        while true {
            let deadline = await recorder.entry(task.address).flatMap { RunLife(address: task.address, policy: task.run, entry: $0).deadline }
            let followed = try await follow(id, until: end) { info in
                (info.state?.isFinished ?? false) || deadline.map { Date() >= $0 } == true
            }
            guard case .finished(let current) = followed else {
                switch followed {
                case .gone: return status(.failed("task \(id) disappeared while waiting"))
                case .late(let current): return status(.failed(Self.unfinished(current, id: id, after: options.waitTimeout)))
                default: return status(.skipped("interrupted while waiting for the job"))
                }
            }
            guard let settled = try await settler.look(task, id: id, seen: current) else {
                // Settled by someone else, or not settled at all: the job's State says how it went.
                await recorder.noteState((current.state ?? .unknown).rawValue, id: id, address: task.address)
                return current.state == .failed ? status(.failed(jobFailed(current, task))) : status(.succeeded, "job \((current.state ?? .unknown).rawValue)")
            }
            events.add(settled.events)
            let entry = settled.entry
            if entry.outcome == .succeeded { return status(.succeeded, "job \((current.state ?? .unknown).rawValue)") }
            let why = entry.outcome == .timedOut ? settled.events.first?.message ?? "timed out" : jobFailed(current, task)
            guard let retryAt = entry.retryAt.flatMap(Timestamp.date) else { return status(.failed(why)) }
            let label = ScheduledTask.PendingRetry(attempt: entry.attempt + 1, limit: task.run.retry.limit, at: entry.retryAt ?? "").label
            let wait = retryAt.timeIntervalSinceNow
            guard ContinuousClock.now + .milliseconds(Int64(max(wait, 0) * 1000)) < end else {
                return status(.failed("\(why); \(label) is due at \(entry.retryAt ?? "?"), after --wait-timeout: `run --due` starts it"))
            }
            // In steps, so Ctrl-C is heard during a long backoff.
            while retryAt.timeIntervalSinceNow > 0, !cancellation.isCancelled {
                try await Task.sleep(for: min(options.pollInterval, .milliseconds(Int64(retryAt.timeIntervalSinceNow * 1000) + 1)))
            }
            if cancellation.isCancelled { return status(.skipped("interrupted before \(label)")) }
            switch try await startRun(task, after: id, slot: entry.slot, attempt: entry.attempt + 1) {
            case .started(let next, let note):
                notes.append("task \(id) \(entry.outcome == .timedOut ? "timed out" : "failed"); \(label) is task \(next)" + (note.map { " (\($0))" } ?? ""))
                id = next
            case .refused(let refusal):
                return status(.failed("\(why); \(label) was not started: \(refusal)"))
            }
        }
    }

    /// `job Failed: <its Result>`, redacted: a job's Result may echo what it was sent, secrets included.
    private func jobFailed(_ current: BatchTaskInfo, _ task: DesiredTask) -> String {
        "job Failed" + (current.result.map { ": \(task.redacting($0))" } ?? "")
    }

    /// After a Stop the server accepted: waits for the job to end before its task is deleted, at most `waitTimeout`.
    private func waitUntilStopped(_ id: Int32, address: String) async throws {
        if case .late(let current) = try await follow(id, finished: { $0.state?.isFinished ?? true }) {
            throw UnfinishedJob(description: Self.unfinished(current, id: id, after: options.waitTimeout) + "; it was stopped, and is not deleted while it runs")
        }
    }

    /// A job that did not finish in time: its action fails, the others go on.
    struct UnfinishedJob: Error, CustomStringConvertible {
        var description: String
    }

    /// `task 7 still New after 5s: the server may not know a job named "Mystery job"`.
    public static func unfinished(_ task: BatchTaskInfo, id: Int32, after timeout: Duration) -> String {
        let state = task.state?.rawValue ?? "in no State"
        var text = "task \(id) still \(state) after \(DurationText.format(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18))"
        if task.state == .new || task.state == nil {
            text += task.name.map { ": the server may not know a job named \(JSONValue.string($0).serialized())" }
                ?? ": the server may not know its job"
        } else {
            text += " (--wait-timeout)"
        }
        return text
    }
}

private extension StateEntry {
    /// Takes `current`'s bookkeeping of the run (attempt, outcome, retry, failures, suspension, missed slots told): an update changes
    /// the task's fields, not how its run stands.
    mutating func carryRun(of current: StateEntry) {
        attempt = current.attempt
        outcome = current.outcome
        retryAt = current.retryAt
        failures = current.failures
        suspension = current.suspension
        missedTold = current.missedTold
    }
}
