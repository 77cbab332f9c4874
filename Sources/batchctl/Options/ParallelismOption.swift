import ArgumentParser

/// `--parallelism`: requests in flight at once, for every command that talks to the API.
struct ParallelismOption: ParsableArguments {
    @Option(name: .customLong("parallelism"), help: "Requests in flight at once (default: the environment's parallelism, else the project's, else 10).")
    var value: Int?

    func validate() throws {
        if let value, !(1...1024).contains(value) { throw ValidationError("--parallelism must be from 1 to 1024") }
    }
}
