import APIClient
import ArgumentParser
import DesiredTasks
import Manifest
import Planning
import Reconcile
import Session
import State

/// The terminal side of carrying out a plan, shared by apply and destroy: Ctrl-C, progress, the summary.
enum Execution {
    static func run(_ plan: Plan, desired: [String: DesiredTask], session: inout StateSession, client: BatchTaskClient,
                    parallelism: Int, wait: Bool, waitTimeout: Duration = WaitTimeoutOption.standard,
                    verb: String) async throws -> ApplyReport {
        var options = ApplyOptions()
        options.parallelism = parallelism
        options.wait = wait
        options.waitTimeout = waitTimeout
        options.now = try? RunClock.now()
        let cancellation = CancellationFlag()
        // The signal guard is in place: every caller runs inside `ProjectSession.write`, which installs it.
        SignalGuard.executing(cancellation)
        defer { SignalGuard.executing(nil) }
        return try await session.apply(plan, desired: desired, client: client, options: options,
                                       observer: ApplyProgress(verb: verb), cancellation: cancellation)
    }

    /// After a `--wait` loop: how each followed run that Succeeded ended (failures are told by `finish`). The
    /// passes told only that the runs started.
    static func followed(_ report: ApplyReport) {
        let style = Style(enabled: Terminal.usesColor(1))
        let lines = report.outcomes.filter { $0.status == .succeeded && $0.detail?.contains("job ") == true }
        guard !lines.isEmpty else { return }
        Terminal.out("\n" + lines.map { "  " + ApplyProgress.line($0, style: style) + "\n" }.joined())
    }

    /// Prints the run's summary; exit code 1 when any action failed or the run was interrupted.
    /// Runs that were settled are told first: missed slots were listed with the plan.
    static func finish(_ report: ApplyReport) throws {
        let style = Style(enabled: Terminal.usesColor(1))
        let settled = report.runEvents.filter { $0.trigger != .missed }
        if !settled.isEmpty { Terminal.out("\n" + RunRendering.events(settled, style: style)) }
        if !report.stillPending.isEmpty { Terminal.out("\n" + PendingRendering.still(report.stillPending)) }
        guard !report.outcomes.isEmpty else { return }
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
