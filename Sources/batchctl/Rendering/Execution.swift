#if canImport(Glibc)
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
                    parallelism: Int, wait: Bool, verb: String) async throws -> ApplyReport {
        var options = ApplyOptions()
        options.parallelism = parallelism
        options.wait = wait
        let cancellation = CancellationFlag()
        let interrupts = InterruptHandler(cancellation: cancellation)
        defer { interrupts.stop() }
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
            text += " Stopped: \(reason). What was sent is recorded; run apply again to finish."
        } else if report.interrupted {
            text += " Interrupted: what was sent is recorded; run apply again to finish."
        }
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
