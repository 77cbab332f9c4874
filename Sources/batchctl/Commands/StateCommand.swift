import ArgumentParser
import JSON
import Manifest
import Reconcile
import State

/// `batchctl state ...`: inspect and mend the state.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Inspect and mend the state.",
        subcommands: [List.self, Show.self, Remove.self, Move.self, Unlock.self])

    /// Options every state subcommand takes.
    struct Location: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var environment: EnvironmentOption
        @OptionGroup var stateOptions: StateOptions

        func backend() throws -> any StateBackend {
            try stateOptions.backend(project: global.enterProject(environment))
        }

        /// The state as stored, without a lock (a running apply may be writing it).
        func inspect() async throws -> State {
            try await StateSession.open(.inspect, backend: backend(), endpoint: "", observer: NoticePrinter()).state
        }

        /// Locks, lets `change` edit the state, saves, and prints `message` with the new serial.
        func edit(_ operation: String, _ change: (inout State) throws -> String) async throws {
            var session = try await StateSession.open(stateOptions.edit(operation), backend: backend(), endpoint: "", observer: NoticePrinter())
            var message = ""
            let saved = try await session.whileOpen { session in try await session.edit { state in message = try change(&state) } }
            Terminal.out(message + " (state serial \(saved.serial))\n")
        }
    }

    struct List: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the managed addresses and their ids.")
        @OptionGroup var location: Location

        func execute() async throws {
            let state = try await location.inspect()
            // The addresses alone are sorted: sorting (address, entry) pairs copies every entry.
            let rows = state.tasks.keys.sorted().compactMap { address in
                state.tasks[address].map { [address, String($0.id), $0.appliedAt] }
            }
            Terminal.out(TableRendering.render(header: ["ADDRESS", "ID", "APPLIED AT"], rows: rows))
        }
    }

    struct Show: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one state entry as JSON.")
        @OptionGroup var location: Location
        @Argument(help: "The address.") var address: String

        func execute() async throws {
            let state = try await location.inspect()
            guard let entry = state.tasks[address] else { throw CommandFailure("the state has no \(address)") }
            let json: JSONValue = .object([
                "address": .string(address), "id": .int(Int64(entry.id)), "fingerprint": .string(entry.fingerprint),
                "appliedAt": .string(entry.appliedAt), "source": .string(entry.source), "applied": entry.applied,
            ])
            Terminal.write(json.serializedBytes(pretty: true) + [10], to: 1)
        }
    }

    struct Remove: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget an address; the task stays on the server.")
        @OptionGroup var location: Location
        @Argument(help: "The address.") var address: String

        func execute() async throws {
            try await location.edit("state rm") { state in
                guard let entry = state.tasks.removeValue(forKey: address) else { throw CommandFailure("the state has no \(address)") }
                return "Removed \(address) (task \(entry.id) stays on the server, unmanaged)"
            }
        }
    }

    struct Move: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "mv", abstract: "Carry a state entry to another address.")
        @OptionGroup var location: Location
        @Argument(help: "The current address.") var from: String
        @Argument(help: "The new address.") var to: String

        func validate() throws {
            if let problem = TaskAddress.problem(to) { throw ValidationError("state mv: \(problem)") }
        }

        func execute() async throws {
            try await location.edit("state mv") { state in
                guard state.tasks[to] == nil else { throw CommandFailure("the state already has \(to)") }
                guard let entry = state.tasks.removeValue(forKey: from) else { throw CommandFailure("the state has no \(from)") }
                state.tasks[to] = entry
                return "Moved \(from) to \(to)"
            }
        }
    }

    struct Unlock: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Remove a stale lock, by its id.")
        @OptionGroup var location: Location
        @Argument(help: "The lock id, as the lock error printed it.") var lockID: String

        func execute() async throws {
            try await StateSession.unlock(backend: location.backend(), id: lockID)
            Terminal.out("Removed lock \(lockID).\n")
        }
    }
}
