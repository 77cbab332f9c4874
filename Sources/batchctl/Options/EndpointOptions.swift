import ArgumentParser
import Logging
import Manifest
import Session

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

    /// The flags as the session library takes them; the sign-in's news goes to standard error as `note:` lines.
    var settings: EndpointSettings {
        EndpointSettings(endpoint: endpoint, timeout: timeout, rateLimit: rateLimit,
                         signInLogger: Logger(label: "batchctl.login") { _ in NoteLogHandler() })
    }

    /// The project's session: this endpoint, the state `state` names, and `parallelism` requests at once.
    func open(_ project: Project, state: StateOptions, parallelism: Int? = nil) throws -> ProjectSession {
        try ProjectSession(project: project, endpoint: settings, state: state.settings, parallelism: parallelism,
                           reporter: NoticePrinter())
    }
}
