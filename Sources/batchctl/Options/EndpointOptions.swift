import APIClient
import ArgumentParser
import Emulator
import Foundation
import Manifest
import State

/// Where the API is and where the state lives.
struct EndpointOptions: ParsableArguments {
    @Option(name: .customLong("endpoint"), help: ArgumentHelp(
        "The API's root URL, or 'embedded' for the emulator inside this process (env BATCHCTL_ENDPOINT; default: the project's endpoint).",
        valueName: "URL|embedded"))
    var endpoint: String?

    @Option(name: .customLong("state"), help: ArgumentHelp("The state file (default: the project's state, else batchctl.state.json).", valueName: "PATH"))
    var statePath: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's state lock (default 0: fail at once).", valueName: "SECONDS"))
    var lockTimeout: Double = 0

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Seconds one API request may take (default: the project's timeout, else 30).", valueName: "SECONDS"))
    var timeout: Double?

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("At most this many API requests a second.", valueName: "N"))
    var rateLimit: Double?

    func validate() throws {
        if lockTimeout < 0 { throw ValidationError("--lock-timeout must not be negative") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be more than 0") }
        if let rateLimit, rateLimit <= 0 { throw ValidationError("--rate-limit must be more than 0") }
    }

    /// The endpoint as given, or nil when none is set anywhere.
    func endpointName(project: Project) -> String? {
        endpoint ?? ProcessInfo.processInfo.environment["BATCHCTL_ENDPOINT"] ?? project.endpoint
    }

    func requireEndpoint(project: Project) throws -> String {
        guard let name = endpointName(project: project), !name.isEmpty else {
            throw CommandFailure("no endpoint: give --endpoint URL (or --endpoint embedded for the built-in emulator), set BATCHCTL_ENDPOINT, or set endpoint in batchctl.yaml")
        }
        if name != "embedded" && !(name.hasPrefix("http://") || name.hasPrefix("https://")) {
            throw CommandFailure("--endpoint must be an http(s) URL or 'embedded', not '\(name)'")
        }
        return name
    }

    func backend(project: Project) -> LocalStateBackend {
        LocalStateBackend(path: statePath ?? project.state ?? "batchctl.state.json")
    }

    var lockWait: Duration { .milliseconds(Int64(lockTimeout * 1000)) }

    /// Connects to the endpoint: the embedded emulator is started here and stopped by `Connection.close()`.
    func connect(project: Project, parallelism: Int) async throws -> Connection {
        let name = try requireEndpoint(project: project)
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
            do {
                configuration.credentials = try Credentials.fromEnvironment(environment)
            } catch {
                throw CommandFailure("\(error)")
            }
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
        return Connection(endpoint: name, client: BatchTaskClient(configuration: configuration), embedded: embedded)
    }
}

/// An open connection to the API, and the embedded emulator behind it if there is one.
struct Connection {
    /// What the state is bound to: the URL as given, or `embedded`.
    let endpoint: String
    let client: BatchTaskClient
    let embedded: EmbeddedEmulator?

    func close() async {
        await client.shutdown()
        await embedded?.stop()
    }
}

/// A failure already explained to the user: printed as `error: ...`, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
