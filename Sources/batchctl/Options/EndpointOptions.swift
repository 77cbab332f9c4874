import APIClient
import ArgumentParser
import Diagnostics
import Emulator
import Foundation
import Manifest
import Reconcile
import State

/// Where the API is, and how to talk to it.
struct EndpointOptions: ParsableArguments {
    @Option(name: .customLong("endpoint"), help: ArgumentHelp(
        "The API's root URL, or 'embedded' for the emulator inside this process (env BATCHCTL_ENDPOINT; default: the environment's endpoint, else the project's).",
        valueName: "URL|embedded"))
    var endpoint: String?

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds one API request may take (default: the project's timeout, else 30).", valueName: "SECONDS"))
    var timeout: Double?

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("At most this many API requests a second.", valueName: "N"))
    var rateLimit: Double?

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be more than 0") }
        if let rateLimit, rateLimit <= 0 { throw ValidationError("--rate-limit must be more than 0") }
    }

    /// The endpoint the state is bound to: the URL as given, or `embedded`.
    func name(project: Project) throws -> String {
        // An empty BATCHCTL_ENDPOINT counts as unset, as an empty BATCHCTL_STATE does.
        let fromEnvironment = ProcessInfo.processInfo.environment["BATCHCTL_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        let given = endpoint ?? fromEnvironment ?? project.endpoint
        guard let name = given, !name.isEmpty else {
            throw CommandFailure("no endpoint: give --endpoint URL (or --endpoint embedded for the built-in emulator), set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml")
        }
        // A bad endpoint from the project file is reported where it is written.
        let fromProject = endpoint == nil && fromEnvironment == nil
        let location = fromProject ? project.endpointLocation : nil
        func failure(_ message: String) -> any Error {
            location.map { DiagnosticList([.error($0, message)]) } ?? CommandFailure(message)
        }
        if name == "embedded" { return name }
        guard name.hasPrefix("http://") || name.hasPrefix("https://") else {
            throw failure("\(location == nil ? "--endpoint" : "endpoint") must be an http(s) URL or 'embedded', not '\(name)'")
        }
        // The client's one rule for endpoints, applied before anything is bound to this one: the endpoint is written
        // into the state and shown by every command, so a password in it would be kept and printed.
        do {
            try BatchTaskClient.validate(endpoint: name)
        } catch {
            throw failure(error.message)
        }
        return name
    }

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

    /// Connects to the endpoint: the embedded emulator is started here and stopped by `Connection.close()`.
    private func connect(project: Project, parallelism: Int) async throws -> Connection {
        let name = try name(project: project)
        let environment = ProcessInfo.processInfo.environment
        var embedded: EmbeddedEmulator?
        var configuration: ClientConfiguration
        if name == "embedded" {
            let emulator = try await EmbeddedEmulator.start(databasePath: ".batchctl/embedded.sqlite")
            embedded = emulator
            configuration = ClientConfiguration(baseURL: emulator.baseURL)
            configuration.credentials = .basic(user: emulator.credential.user, password: emulator.credential.password)
        } else {
            configuration = ClientConfiguration(baseURL: name)
            configuration.credentials = try Credentials.fromEnvironment(environment)
        }
        if let variable = project.appTokenVariable {
            guard let token = environment[variable], !token.isEmpty else {
                throw CommandFailure("batchctl.yaml takes the SO-AppToken from \(variable), which is not set")
            }
            configuration.appToken = token
        } else if let token = environment["BATCHCTL_APP_TOKEN"], !token.isEmpty {
            configuration.appToken = token
        }
        configuration.language = project.language
        configuration.culture = project.culture
        configuration.timeZone = project.timeZone
        configuration.timeout = .milliseconds(Int64((timeout ?? project.timeout ?? 30) * 1000))
        configuration.concurrency = parallelism
        configuration.rateLimit = rateLimit
        if environment["BATCHCTL_LOG"] == "debug" { configuration.logRequestsToStandardError() }
        return Connection(client: BatchTaskClient(configuration: configuration), embedded: embedded)
    }
}

/// An open connection to the API, and the embedded emulator behind it if there is one.
struct Connection {
    let client: BatchTaskClient
    let embedded: EmbeddedEmulator?

    func close() async {
        await client.shutdown()
        await embedded?.stop()
    }
}

/// Where the state lives, and how long to wait for another run's lock on it.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp(
        "The state file (env BATCHCTL_STATE; default: the project's state, else batchctl.state.json); with --env, the environment's state beside it, batchctl.state.<env>.json.", valueName: "PATH"))
    var location: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's state lock (default 0: fail at once).", valueName: "SECONDS"))
    var lockTimeout: Double = 0

    func validate() throws {
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must not be negative") }
    }

    /// The state of the project's workspace: the location names the default workspace's file, and an environment's
    /// is beside it, named after the environment (`batchctl.state.prod.json`).
    func backend(project: Project) throws -> any StateBackend {
        let given = location ?? ProcessInfo.processInfo.environment["BATCHCTL_STATE"].flatMap { $0.isEmpty ? nil : $0 }
        return try StateLocation.backend(for: given ?? project.state ?? "batchctl.state.json",
                                         workspace: project.environment?.name ?? StateLocation.defaultWorkspace)
    }

    /// Write access for `operation`, waiting `--lock-timeout` for the lock.
    func write(_ operation: String) -> StateSession.Access {
        .write(operation: operation, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)))
    }

    func edit(_ operation: String) -> StateSession.Access {
        .edit(operation: operation, lockTimeout: .milliseconds(Int64(lockTimeout * 1000)))
    }
}

/// `--parallelism`: requests in flight at once, for every command that talks to the API.
struct ParallelismOption: ParsableArguments {
    static let defaultValue = 10

    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the environment's parallelism, else the project's, else 10).")
    var value: Int?

    func validate() throws {
        if let value, !(1...1024).contains(value) { throw ValidationError("--parallelism must be from 1 to 1024") }
    }

    func resolve(_ project: Project) -> Int { value ?? project.parallelism ?? Self.defaultValue }
}

/// A failure already explained to the user: printed as `error: ...`, exit code 1.
struct CommandFailure: UserFacingError, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
