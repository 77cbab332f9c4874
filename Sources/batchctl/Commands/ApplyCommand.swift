import ArgumentParser
import Dispatch
import Foundation
import JSON
import Manifest
import Planning
import APIClient
import Reconcile
import State

/// `batchctl apply [PLANFILE]`: carry out a saved plan, or a fresh one after showing it and asking.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the API hold what the manifests say: carry out a saved plan, or a fresh one after confirmation.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: ManifestInput
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var endpoint: EndpointOptions
    @OptionGroup var planning: PlanningOptions

    @Argument(help: ArgumentHelp("A plan saved by `batchctl plan --out FILE`.", valueName: "PLANFILE"))
    var planFile: String?

    @Flag(name: .customLong("auto-approve"), help: "Apply without asking.")
    var autoApprove = false

    @Flag(name: .customLong("wait"), help: "Follow the submitted tasks until each job is Succeeded or Failed; dependents wait for Succeeded.")
    var wait = false

    func run() async throws {
        do {
            let project = try global.enterProject()
            let result = try input.expand(project: project)
            let desired = Dictionary(result.tasks.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
            let parallelism = planning.parallelism(project)
            let name = try endpoint.requireEndpoint(project: project)
            let report = try await endpoint.withConnection(project: project, parallelism: parallelism) { connection in
                let session = try await StateSession.write(
                    backend: endpoint.backend(project: project), endpoint: name, operation: "apply",
                    wait: endpoint.lockWait, client: connection.client, desired: desired)
                defer { session.release() }
                let plan: Plan
                if let planFile {
                    plan = try SavedPlan.load(planFile, state: session.planningState, desired: result.tasks, endpoint: name)
                } else {
                    let live = planning.refresh
                        ? try await Refresh.live(for: session.state, client: connection.client, concurrency: parallelism) : nil
                    plan = try planning.plan(result, state: session.planningState, live: live, selection: selection, endpoint: name)
                }
                Terminal.out(PlanRendering.text(plan, style: Style(enabled: Terminal.usesColor(1)),
                                                showFieldsOfCreates: plan.count(.create) <= 50))
                guard plan.hasChanges else { return ApplyReport(outcomes: [], interrupted: false) }
                if planFile == nil && !autoApprove { try Confirmation.ask("Apply these changes?") }
                return try await Execution.run(plan, desired: desired, session: session, client: connection.client,
                                               parallelism: parallelism, wait: wait, verb: "apply")
            }
            try Execution.finish(report)
        } catch {
            throw reported(error)
        }
    }
}

/// Loads a saved plan and refuses it when the state or the manifests moved on since it was made.
enum SavedPlan {
    static func load(_ path: String, state: State?, desired: [DesiredTask], endpoint: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read the plan file \(path)") }
        let plan: Plan
        do {
            plan = try PlanDocument.decode(JSONValue.parse(Array(data)))
        } catch let error as PlanFileError {
            throw CommandFailure("\(path): \(error.message)")
        } catch {
            throw CommandFailure("\(path) is not a plan file: \(error)")
        }
        guard plan.endpoint == endpoint else {
            throw CommandFailure("\(path) was made for endpoint \(plan.endpoint), not \(endpoint)")
        }
        guard plan.stateLineage == state?.lineage, plan.stateSerial == state?.serial else {
            throw CommandFailure("\(path) is stale: the state changed since the plan was made (serial \(plan.stateSerial.map(String.init) ?? "none") then, \(state.map { String($0.serial) } ?? "none") now); make a new plan")
        }
        guard plan.manifestDigest == Planner.digest(desired) else {
            throw CommandFailure("\(path) is stale: the manifests changed since the plan was made; make a new plan")
        }
        return plan
    }
}

/// Asks for `yes` on the terminal.
enum Confirmation {
    static func ask(_ question: String) throws {
        guard Terminal.isTerminal(0) else {
            throw CommandFailure("not asking for confirmation without a terminal: add --auto-approve to apply anyway")
        }
        Terminal.out("\(question) Only 'yes' will be accepted: ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw CommandFailure("cancelled; nothing was changed")
        }
    }
}

/// Runs the executor with Ctrl-C handling and a final state write; shared by apply and destroy.
enum Execution {
    static func run(_ plan: Plan, desired: [String: DesiredTask], session: StateSession, client: BatchTaskClient,
                    parallelism: Int, wait: Bool, verb: String) async throws -> ApplyReport {
        let recorder = StateRecorder(state: session.state, backend: session.backend, journal: try session.backend.openJournal())
        var options = ApplyOptions()
        options.parallelism = parallelism
        options.wait = wait
        let cancellation = CancellationFlag()
        let interrupts = InterruptHandler(cancellation: cancellation)
        let executor = Executor(client: client, recorder: recorder, desired: desired, options: options,
                                observer: ApplyProgress(verb: verb), cancellation: cancellation)
        let report = await executor.run(plan)
        interrupts.stop()
        _ = try await recorder.finish()
        return report
    }

    /// Prints the run's summary; exit code 1 when any action failed or the run was interrupted.
    static func finish(_ report: ApplyReport) throws {
        guard !report.outcomes.isEmpty else { return }
        let style = Style(enabled: Terminal.usesColor(1))
        var text = "\n"
        let failed = report.failed, skipped = report.skipped
        if !failed.isEmpty || !skipped.isEmpty {
            for outcome in failed + skipped { text += "  " + ApplyProgress.line(outcome, style: style) + "\n" }
        }
        text += style.bold("Done: \(report.succeeded) succeeded, \(failed.count) failed, \(skipped.count) skipped.")
        if report.interrupted { text += " Interrupted: what was sent is recorded; run apply again to finish." }
        Terminal.out(text + "\n")
        if !failed.isEmpty || report.interrupted { throw ExitCode.failure }
    }
}

/// First Ctrl-C: stop sending and let requests in flight finish. Second: leave at once (the journal keeps the rest).
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(cancellation: CancellationFlag) {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if cancellation.isCancelled {
                    Terminal.err("\nInterrupted again: leaving now; the journal records what was sent.\n")
                    exit(130)
                }
                cancellation.cancel()
                Terminal.err("\nInterrupted: no new requests; waiting for those in flight (Ctrl-C again to leave at once).\n")
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
