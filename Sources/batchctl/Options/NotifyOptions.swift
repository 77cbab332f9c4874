import ArgumentParser
import Controller
import DesiredTasks
import Reconcile

/// `--notify-url` and `--notify-on` of `run` and `apply`: who is told what happened to the runs.
struct NotifyOptions: ParsableArguments {
    @Option(name: .customLong("notify-url"), help: ArgumentHelp("POST a JSON notification here of each run that failed, is retried, timed out, missed its slot or was paused (repeatable).", valueName: "URL"))
    var urls: [String] = []

    @Option(name: .customLong("notify-on"), help: ArgumentHelp("Which run notifications to send, comma-separated: on-run-failed, on-run-retry, on-run-timeout, on-run-missed, on-run-paused, on-run-succeeded (default: all but on-run-succeeded).", valueName: "TRIGGER[,TRIGGER...]"))
    var on: [String] = []

    /// How long the notifications may take to go out once the command is done.
    static let deliveryLimit: Duration = .seconds(15)

    func validate() throws {
        if !on.isEmpty && urls.isEmpty { throw ValidationError("--notify-on chooses what --notify-url is sent; give --notify-url too") }
        for url in urls {
            do {
                try Notifier.check(url: url)
            } catch {
                throw ValidationError(error.message)
            }
        }
        _ = try triggers()
    }

    func triggers() throws -> NotificationTriggers {
        do {
            return try NotificationTriggers.parse(on, allowed: NotificationTriggers.runTriggers)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Sends the notifications of `report`'s run events, their tasks' secrets taken out, and waits for them to go
    /// out (at most `deliveryLimit`); what did not go out is said on standard error and fails nothing.
    func send(_ report: ApplyReport, desired: [String: DesiredTask]) async {
        guard !urls.isEmpty, !report.runEvents.isEmpty, let triggers = try? triggers() else { return }
        let problems = await RunNotification.deliver(report, desired: desired, to: urls, triggers: triggers, within: Self.deliveryLimit)
        for problem in problems { Terminal.err("warning: \(TerminalText.escape(problem))\n") }
    }
}
