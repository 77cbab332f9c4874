import ArgumentParser
import Diagnostics
import Reconcile

/// A command whose failures users can act on are reported in one place: `execute()` does the work, and `run()`
/// turns any `UserFacingError` into `error: ...` lines and its exit code.
protocol ReportingCommand: AsyncParsableCommand {
    func execute() async throws
}

extension ReportingCommand {
    func run() async throws {
        do {
            try await execute()
        } catch {
            throw reported(error)
        }
    }
}

/// Prints a `UserFacingError` (manifest diagnostics as compilers print them) and returns its exit code.
/// ArgumentParser's own errors and exit codes pass through; anything else is printed as `error: ...`, exit 1.
func reported(_ error: any Error) -> any Error {
    switch error {
    case let list as DiagnosticList:
        DiagnosticPrinter.print(list.diagnostics)
        return ExitCode(list.exitCode)
    case let diagnostic as Diagnostic:
        DiagnosticPrinter.print([diagnostic])
        return ExitCode(diagnostic.exitCode)
    case let error as any UserFacingError:
        DiagnosticPrinter.printError(error.message, hint: error.hint)
        return ExitCode(error.exitCode)
    case is ExitCode, is CleanExit, is ValidationError:
        return error
    default:
        DiagnosticPrinter.printError("\(error)")
        return ExitCode.failure
    }
}

/// Prints a session's notes and warnings on standard error.
struct NoticePrinter: SessionObserver {
    func notice(_ notice: SessionNotice) {
        Terminal.err("\(notice.severity.rawValue): \(notice.message)\n")
    }
}
