import ArgumentParser
import JSON
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

        @Option(name: .customLong("state"), help: ArgumentHelp("The state file (default: the project's state, else batchctl.state.json).", valueName: "PATH"))
        var statePath: String?

        @Option(name: .customLong("lock-timeout"), help: ArgumentHelp("Seconds to wait for another run's lock.", valueName: "SECONDS"))
        var lockTimeout: Double = 0

        func backend() throws -> LocalStateBackend {
            let project = try global.enterProject()
            return LocalStateBackend(path: statePath ?? project.state ?? "batchctl.state.json")
        }

        func load(_ backend: LocalStateBackend) throws -> State {
            guard let state = try backend.load() else { throw CommandFailure("there is no state at \(backend.description) yet") }
            return state
        }

        /// Locks, loads, lets `change` edit the state, saves.
        func modify(_ operation: String, _ change: (inout State) throws -> String) throws {
            let backend = try backend()
            let lock = try backend.lock(operation: operation, timeout: .milliseconds(Int64(lockTimeout * 1000)))
            defer { lock.release() }
            if !(try backend.readJournal()).isEmpty {
                throw CommandFailure("an interrupted run left \(backend.description).journal; run `batchctl apply` (or plan) to recover it first")
            }
            var state = try load(backend)
            let message = try change(&state)
            let saved = try backend.save(state)
            Terminal.out(message + " (state serial \(saved.serial))\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the managed addresses and their ids.")
        @OptionGroup var location: Location

        func run() async throws {
            do {
                let backend = try location.backend()
                let state = try location.load(backend)
                // The addresses alone are sorted: sorting (address, entry) pairs copies every entry.
                let rows = state.tasks.keys.sorted().compactMap { address in
                    state.tasks[address].map { [address, String($0.id), $0.appliedAt] }
                }
                Terminal.out(TableRendering.render(header: ["ADDRESS", "ID", "APPLIED AT"], rows: rows))
            } catch {
                throw reported(error)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one state entry as JSON.")
        @OptionGroup var location: Location
        @Argument(help: "The address.") var address: String

        func run() async throws {
            do {
                let state = try location.load(try location.backend())
                guard let entry = state.tasks[address] else { throw CommandFailure("the state has no \(address)") }
                let json: JSONValue = .object([
                    "address": .string(address), "id": .int(Int64(entry.id)), "fingerprint": .string(entry.fingerprint),
                    "appliedAt": .string(entry.appliedAt), "source": .string(entry.source), "applied": entry.applied,
                ])
                Terminal.write(json.serializedBytes(pretty: true) + [10], to: 1)
            } catch {
                throw reported(error)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget an address; the task stays on the server.")
        @OptionGroup var location: Location
        @Argument(help: "The address.") var address: String

        func run() async throws {
            do {
                try location.modify("state rm") { state in
                    guard let entry = state.tasks.removeValue(forKey: address) else { throw CommandFailure("the state has no \(address)") }
                    return "Removed \(address) (task \(entry.id) stays on the server, unmanaged)"
                }
            } catch {
                throw reported(error)
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mv", abstract: "Carry a state entry to another address.")
        @OptionGroup var location: Location
        @Argument(help: "The current address.") var from: String
        @Argument(help: "The new address.") var to: String

        func run() async throws {
            do {
                try location.modify("state mv") { state in
                    guard state.tasks[to] == nil else { throw CommandFailure("the state already has \(to)") }
                    guard let entry = state.tasks.removeValue(forKey: from) else { throw CommandFailure("the state has no \(from)") }
                    state.tasks[to] = entry
                    return "Moved \(from) to \(to)"
                }
            } catch {
                throw reported(error)
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Remove a stale lock, by its id.")
        @OptionGroup var location: Location
        @Argument(help: "The lock id, as the lock error printed it.") var lockID: String

        func run() async throws {
            do {
                try location.backend().unlock(id: lockID)
                Terminal.out("Removed lock \(lockID).\n")
            } catch {
                throw reported(error)
            }
        }
    }
}
