import Reconcile
import Session

/// Prints a session's notes and warnings, and what a signal did, on standard error.
struct NoticePrinter: SessionReporter {
    func notice(_ notice: SessionNotice) {
        DiagnosticPrinter.printNotice(notice.severity.rawValue, notice.message)
    }

    func signedIn(to tenant: String, times count: Int) {
        Terminal.err("note: signed in to \(tenant) \(count) times: the ticket or access token expired during the run\n")
    }

    func interrupted(_ event: Interruption) {
        switch event {
        case .stopping:
            Terminal.err("\nInterrupted: no new requests; waiting for those in flight (Ctrl-C again to leave at once).\n")
        case .leavingNow:
            Terminal.err("\nInterrupted again: leaving now; the journal records what was sent.\n")
        case .leaving:
            Terminal.err("\nInterrupted.\n")
        case .locksReleased(true):
            Terminal.err("The state's lock was released.\n")
        case .locksReleased(false):
            Terminal.err("The state's lock could not be released in time; the next run takes it over.\n")
        }
    }
}
