import ArgumentParser
import Diagnostics
import Planning
import Reconcile

/// A command whose failures users can act on are reported in one place: `execute()` does the work, and `run()`
/// turns any `UserFacingError` into `error: ...` lines and its exit code.
protocol ReportingCommand: AsyncParsableCommand {
    func execute() async throws
    /// How this run's failures are shown: `--output github` shows them as annotations too.
    var diagnosticFormat: DiagnosticFormat { get }
}

extension ReportingCommand {
    var diagnosticFormat: DiagnosticFormat { .text }

    func run() async throws {
        do {
            try await execute()
        } catch {
            throw reported(error, format: diagnosticFormat)
        }
    }
}

/// Prints a `UserFacingError` (manifest diagnostics as compilers print them) and returns its exit code.
/// ArgumentParser's own errors and exit codes pass through; anything else is printed as `error: ...`, exit 1.
func reported(_ error: any Error, format: DiagnosticFormat = .text) -> any Error {
    switch error {
    case let list as DiagnosticList:
        DiagnosticPrinter.print(list.diagnostics, format: format)
        return ExitCode(list.exitCode)
    case let diagnostic as Diagnostic:
        DiagnosticPrinter.print([diagnostic], format: format)
        return ExitCode(diagnostic.exitCode)
    case let planning as PlanningError:
        // One line for each refusal, at its place in the manifests where it has one.
        DiagnosticPrinter.print(planning.diagnostics, format: format)
        return ExitCode(planning.exitCode)
    case let error as any UserFacingError:
        DiagnosticPrinter.printError(error.message, hint: error.hint, format: format)
        return ExitCode(error.exitCode)
    case is ExitCode, is CleanExit, is ValidationError:
        return error
    default:
        DiagnosticPrinter.printError("\(error)", format: format)
        return ExitCode.failure
    }
}
