import Planning

/// The executor's scheduling as a value: which steps run, in what order, how many at once, what a failure skips.
///
/// It does no I/O and knows nothing of tasks or time: the executor tells it what happened (`start()`,
/// `stepFinished(address:succeeded:)`, `cancel()`) and carries out the actions it returns, in order. Every decision
/// can so be tested without a server, the way async-http-client tests its `HTTPRequestStateMachine`.
struct ExecutionSchedule {
    /// A unit of work: a planned action, or (with `--wait`) waiting for an unchanged task that others depend on.
    struct Step: Sendable, Equatable {
        var action: PlannedAction
        var waitOnly = false

        var address: String { action.address }
    }

    /// What the driver does next.
    enum Action {
        /// Start these steps now; each must be answered by one `stepFinished`.
        case launch([Step])
        /// These steps will never run (a dependency did not succeed): outcomes to record as finished.
        case report([ActionOutcome])
        /// Nothing runs and nothing more will start: the outcomes of the steps that were never reached.
        case finished(unreached: [ActionOutcome])
    }

    private enum Phase {
        case initialized, running, finished
    }

    private enum Progress {
        case waiting, ready, running, done, skipped
    }

    /// In plan order, then the wait-only steps in the order their dependents name them.
    let steps: [Step]
    private let parallelism: Int
    private var indexByAddress: [String: Int] = [:]
    /// Per step: dependencies not yet succeeded.
    private var pending: [Int]
    private var dependents: [[Int]]
    private var progress: [Progress]
    /// A queue: taken from `readyHead`, released steps join the back, so the first ready starts first.
    private var ready: [Int] = []
    private var readyHead = 0
    private var running = 0
    private var cancelled = false
    private var phase = Phase.initialized

    /// - Parameters:
    ///   - actions: the plan's actions; moves, imports, registrations of schedules and no-ops are not steps (they touch
    ///     only the state).
    ///   - wait: also make wait-only steps of the unchanged tasks that scheduled ones depend on.
    ///   - parallelism: steps running at once.
    ///   - dependencies: the addresses a task waits for; those that are not steps count as done.
    init(actions: [PlannedAction], wait: Bool, parallelism: Int, dependencies: (String) -> [String]) {
        self.parallelism = parallelism
        var steps: [Step] = []
        var indexByAddress: [String: Int] = [:]
        for action in actions where ![.move, .import, .noop, .schedule].contains(action.kind)
            && indexByAddress[action.address] == nil {
            indexByAddress[action.address] = steps.count
            steps.append(Step(action: action))
        }
        if wait {
            // The first action at an address carries the id the state knows for it.
            var ids: [String: Int32?] = [:]
            for action in actions where ids[action.address] == nil { ids[action.address] = action.id }
            // Direct dependencies only: a wait-only step starts nothing, it reads a job's state, so what that job
            // waited for does not matter.
            for step in steps {
                for dependency in dependencies(step.address) where indexByAddress[dependency] == nil {
                    indexByAddress[dependency] = steps.count
                    let id = ids[dependency] ?? nil
                    steps.append(Step(action: PlannedAction(address: dependency, kind: .noop, id: id), waitOnly: true))
                }
            }
        }
        var pending = [Int](repeating: 0, count: steps.count)
        var dependents = [[Int]](repeating: [], count: steps.count)
        for (index, step) in steps.enumerated() {
            for dependency in dependencies(step.address) {
                guard let dependencyIndex = indexByAddress[dependency] else { continue }
                pending[index] += 1
                dependents[dependencyIndex].append(index)
            }
        }
        self.steps = steps
        self.indexByAddress = indexByAddress
        self.pending = pending
        self.dependents = dependents
        self.progress = pending.map { $0 == 0 ? .ready : .waiting }
        self.ready = steps.indices.filter { pending[$0] == 0 }
    }

    /// The run begins: the first steps to launch, or the end when there is nothing to do.
    mutating func start() -> [Action] {
        guard phase == .initialized else { return [] }
        phase = .running
        return launchOrFinish()
    }

    /// A launched step is done; a step that did not succeed skips everything that depends on it, at any depth.
    mutating func stepFinished(address: String, succeeded: Bool) -> [Action] {
        guard phase == .running, let index = indexByAddress[address], progress[index] == .running else { return [] }
        running -= 1
        progress[index] = .done
        var actions: [Action] = []
        if succeeded {
            for dependent in dependents[index] {
                pending[dependent] -= 1
                if pending[dependent] == 0 && progress[dependent] == .waiting {
                    progress[dependent] = .ready
                    ready.append(dependent)
                }
            }
        } else {
            let skipped = skipDependents(of: index)
            if !skipped.isEmpty { actions.append(.report(skipped)) }
        }
        return actions + launchOrFinish()
    }

    /// Stop launching: what runs may finish, what has not started never will.
    mutating func cancel() -> [Action] {
        guard !cancelled else { return [] }
        cancelled = true
        return phase == .running ? launchOrFinish() : []
    }

    // MARK: -

    /// Every transitive dependent of `failed` not yet skipped, each once, with `failed` as the cause.
    private mutating func skipDependents(of failed: Int) -> [ActionOutcome] {
        let reason = "its dependency \(steps[failed].address) did not succeed"
        var outcomes: [ActionOutcome] = []
        var queue = [failed]
        while let current = queue.popLast() {
            for dependent in dependents[current] where isUnstarted(dependent) {
                progress[dependent] = .skipped
                outcomes.append(outcome(dependent, .skipped(reason)))
                queue.append(dependent)
            }
        }
        return outcomes
    }

    private mutating func launchOrFinish() -> [Action] {
        var launched: [Step] = []
        while !cancelled, running < parallelism, readyHead < ready.count {
            let index = ready[readyHead]
            readyHead += 1
            guard progress[index] == .ready else { continue }
            progress[index] = .running
            running += 1
            launched.append(steps[index])
        }
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        }
        if !launched.isEmpty { return [.launch(launched)] }
        guard running == 0 else { return [] }
        phase = .finished
        let reason = cancelled ? "interrupted before it was sent" : "not reached"
        let unreached = steps.indices.filter(isUnstarted)
        return [.finished(unreached: unreached.map { outcome($0, .skipped(reason)) })]
    }

    private func isUnstarted(_ index: Int) -> Bool {
        progress[index] == .waiting || progress[index] == .ready
    }

    private func outcome(_ index: Int, _ status: ActionOutcome.Status) -> ActionOutcome {
        let action = steps[index].action
        return ActionOutcome(address: action.address, kind: action.kind, id: action.id, status: status)
    }
}
