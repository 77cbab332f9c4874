#if canImport(Glibc)
import DesiredTasks
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import APIClient
import ArgumentParser
import Dispatch
import Manifest
import Planning
import Reconcile
import State
import Synchronization

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

/// The terminal side of carrying out a plan, shared by apply and destroy: Ctrl-C, progress, the summary.
enum Execution {
    static func run(_ plan: Plan, desired: [String: DesiredTask], session: inout StateSession, client: BatchTaskClient,
                    parallelism: Int, wait: Bool, waitTimeout: Duration = WaitTimeoutOption.standard,
                    verb: String) async throws -> ApplyReport {
        var options = ApplyOptions()
        options.parallelism = parallelism
        options.wait = wait
        options.waitTimeout = waitTimeout
        let cancellation = CancellationFlag()
        SignalGuard.install()
        SignalGuard.executing(cancellation)
        defer { SignalGuard.executing(nil) }
        return try await session.apply(plan, desired: desired, client: client, options: options,
                                       observer: ApplyProgress(verb: verb), cancellation: cancellation)
    }

    /// Prints the run's summary; exit code 1 when any action failed or the run was interrupted.
    static func finish(_ report: ApplyReport) throws {
        guard !report.outcomes.isEmpty else { return }
        let style = Style(enabled: Terminal.usesColor(1))
        var text = "\n"
        let failed = report.failed, skipped = report.skipped
        for outcome in failed + skipped { text += "  " + ApplyProgress.line(outcome, style: style) + "\n" }
        text += style.bold("Done: \(report.succeeded) succeeded, \(failed.count) failed, \(skipped.count) skipped.")
        if let reason = report.stoppedBecause {
            text += " Stopped: \(TerminalText.escape(reason)). What was sent is recorded; run apply again to finish."
        } else if report.interrupted {
            text += " Interrupted: what was sent is recorded; run apply again to finish."
        }
        Terminal.out(text + "\n")
        if !failed.isEmpty || report.interrupted { throw ExitCode.failure }
    }
}

/// SIGINT and SIGTERM for commands that take the state's lock. While a plan is carried out, the first signal stops
/// sending and lets the requests in flight finish; the second leaves at once (the journal keeps the rest). At any
/// other moment (loading, refreshing, asking for confirmation) the command leaves at once. Either way the state's
/// lock is released on the way out, not left for the next run to take over as stale.
enum SignalGuard {
    private static let state = Mutex<(installed: Bool, cancellation: CancellationFlag?, sources: [any DispatchSourceSignal])>(
        (false, nil, []))

    /// Installs the handlers, once per process.
    static func install() {
        state.withLock { state in
            guard !state.installed else { return }
            state.installed = true
            state.sources = SignalSources.handle([SIGINT, SIGTERM]) { received($0) }
        }
    }

    /// While a plan is carried out, a first signal cancels `cancellation`; nil when the execution ends.
    static func executing(_ cancellation: CancellationFlag?) {
        state.withLock { $0.cancellation = cancellation }
    }

    private static func received(_ signalNumber: Int32) {
        if let cancellation = state.withLock({ $0.cancellation }) {
            if !cancellation.isCancelled {
                cancellation.cancel()
                Terminal.err("\nInterrupted: no new requests; waiting for those in flight (Ctrl-C again to leave at once).\n")
                return
            }
            Terminal.err("\nInterrupted again: leaving now; the journal records what was sent.\n")
        } else {
            Terminal.err("\nInterrupted.\n")
        }
        let held = HeldLocks.count
        let released = HeldLocks.releaseAll(timeout: .seconds(5))
        if held > 0 {
            Terminal.err(released == held ? "The state's lock was released.\n"
                                          : "The state's lock could not be released in time; the next run takes it over.\n")
        }
        exit(128 + signalNumber)
    }
}

/// Signals taken from their default action and handled on a dispatch queue, for the commands that must let go of
/// the state's lock (and finish what is in flight) before they leave.
enum SignalSources {
    /// Calls `handler` with each of `signals` received, until the sources are cancelled.
    static func handle(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
        signals.map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.resume()
            return source
        }
    }
}
