import APIClient
import ArgumentParser
import Emulator
import Manifest
import Planning
import State

/// Turns the failures users can act on into an `error: ...` line and exit code 1; other errors pass through.
///
func reported(_ error: any Error) -> any Error {
    switch error {
    case let error as CommandFailure: return failure(error.message)
    case let error as StateError: return failure(error.description)
    case let error as ClientError: return failure(error.description)
    case let error as PlanningError: return failure(error.description)
    case let error as PlanFileError: return failure(error.description)
    case let error as EmulatorError: return failure(error.description)
    default: return error
    }
}

private func failure(_ message: String) -> ExitCode {
    DiagnosticPrinter.printError(message)
    return .failure
}

extension EndpointOptions {
    /// Connects, runs `body`, and closes the connection (and any embedded emulator) whatever happens.
    func withConnection<T>(project: Project, parallelism: Int, _ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await connect(project: project, parallelism: parallelism)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}
