import APIClient
import ArgumentParser
import Emulator
import Manifest
import Planning
import State

/// Runs a command body and turns the failures users can act on into `error: ...` lines and exit code 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CommandFailure {
        throw failure(error.message)
    } catch let error as StateError {
        throw failure(error.description)
    } catch let error as ClientError {
        throw failure(error.description)
    } catch let error as PlanningError {
        throw failure(error.description)
    } catch let error as PlanFileError {
        throw failure(error.description)
    } catch let error as EmulatorError {
        throw failure(error.description)
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
