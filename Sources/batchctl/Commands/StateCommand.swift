import ArgumentParser
import Foundation
import JSON
import Manifest
import Reconcile
import Session
import State

/// `batchctl state ...`: inspect and mend the state.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Inspect and mend the state.",
        subcommands: [List.self, Show.self, Remove.self, Move.self, Unlock.self, Migrate.self])

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
            var message = ""
            let saved = try await ProjectSession.edit(operation, backend: backend(), lockTimeout: stateOptions.settings.lockTimeout,
                                                      reporter: NoticePrinter()) { session in
                try await session.edit { state in message = try change(&state) }
            }
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
            var text = TableRendering.render(header: ["ADDRESS", "ID", "APPLIED AT"], rows: rows)
            if !state.scheduled.isEmpty {
                text += "\nScheduled, not run yet:\n"
                text += TableRendering.render(header: ["ADDRESS", "SCHEDULED SINCE"],
                                              rows: state.scheduled.keys.sorted().map { [$0, state.scheduled[$0] ?? ""] })
            }
            if !state.pending.isEmpty {
                text += "\nPending runs:\n"
                let rows = state.pending.keys.sorted().flatMap { address in
                    (state.pending[address] ?? []).map { run in
                        [address, run.slot ?? "-", run.waitsFor.joined(separator: ", "), run.since]
                    }
                }
                text += TableRendering.render(header: ["ADDRESS", "SLOT", "WAITS FOR", "PENDING SINCE"], rows: rows)
            }
            Terminal.out(text)
        }
    }

    struct Show: ReportingCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one state entry as JSON.")
        @OptionGroup var location: Location
        @Argument(help: "The address.") var address: String

        func execute() async throws {
            let state = try await location.inspect()
            guard let entry = state.tasks[address] else {
                if let first = state.pending[address]?.first {
                    throw CommandFailure("\(address) has not run yet: a run of it is pending since \(first.since), waiting for "
                                         + first.waitsFor.joined(separator: ", "))
                }
                if let since = state.scheduled[address] {
                    throw CommandFailure("\(address) is scheduled since \(since) and has not run yet")
                }
                throw CommandFailure("the state has no \(address)")
            }
            var object: JSONValue.Object = [
                "address": .string(address), "id": .int(Int64(entry.id)), "fingerprint": .string(entry.fingerprint),
                "appliedAt": .string(entry.appliedAt), "source": .string(entry.source), "applied": entry.applied,
            ]
            if let state = entry.lastState { object["lastState"] = .string(state) }
            if let slot = entry.slot { object["slot"] = .string(slot) }
            if let retryAt = entry.retryAt { object["retryAt"] = .string(retryAt) }
            if entry.failures > 0 { object["failures"] = .int(Int64(entry.failures)) }
            if let suspension = entry.suspension {
                object["suspended"] = .object(suspension.members)
            }
            // The runs, newest first: the current one, then its history.
            var runs: [JSONValue] = [Self.run(PastRun(id: entry.id, startedAt: entry.appliedAt, state: entry.lastState, slot: entry.slot,
                                                      attempt: entry.attempt, outcome: entry.outcome), current: true)]
            for run in entry.history.reversed() { runs.append(Self.run(run, current: false)) }
            object["runs"] = .array(runs)
            if let context = entry.runContext { object["run"] = context.json }
            if let pending = state.pending[address] { object["pending"] = .array(pending.map(\.json)) }
            let json = JSONValue.object(object)
            Terminal.write(json.serializedBytes(pretty: true) + [10], to: 1)
        }

        /// One run: `attempt` and `outcome` appear once a run was retried or settled.
        static func run(_ past: PastRun, current: Bool) -> JSONValue {
            var run: JSONValue.Object = ["id": .int(Int64(past.id)), "startedAt": .string(past.startedAt),
                                         "state": past.state.map(JSONValue.string) ?? .null, "current": .bool(current)]
            if let slot = past.slot { run["slot"] = .string(slot) }
            if past.attempt != 1 { run["attempt"] = .int(Int64(past.attempt)) }
            if let outcome = past.outcome { run["outcome"] = .string(outcome.rawValue) }
            return .object(run)
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

    struct Migrate: ReportingCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy the state to another location (a file or postgres://...), keeping lineage, serial and entries.",
            discussion: """
                The source is --state (or BATCHCTL_STATE, or the project's state) in the workspace --env names; \
                with --all-environments, the default workspace and every environment the project declares. The \
                source is locked while it is copied; a target that already holds a state is refused, and every copy \
                is read back and compared before the command reports it.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var environment: EnvironmentOption
        @OptionGroup var stateOptions: StateOptions

        @Option(name: .customLong("to"), help: ArgumentHelp("Where to copy the state: a file path or postgres://USER@HOST:PORT/DB?schema=NAME.", valueName: "LOCATION"))
        var target: String

        @Flag(name: .customLong("all-environments"), help: "Copy the default workspace and every environment's.")
        var allEnvironments = false

        func validate() throws {
            if allEnvironments && environment.name != nil {
                throw ValidationError("--all-environments copies every workspace; leave out --env")
            }
        }

        func execute() async throws {
            let project: Project
            if allEnvironments {
                if let chdir = global.chdir, !FileManager.default.changeCurrentDirectoryPath(chdir) {
                    throw ValidationError("cannot change to directory '\(chdir)'")
                }
                project = try Project.load()
            } else {
                project = try global.enterProject(environment)
            }
            var copied = 0
            for workspace in StateMigration.workspaces(of: project, allEnvironments: allEnvironments) {
                let source = try stateOptions.backend(project: project, workspace: workspace)
                let target = try StateSettings.backend(at: self.target, workspace: workspace)
                defer { Task { await source.close(); await target.close() } }
                guard let count = try await StateMigration.copy(from: source, to: target, lockTimeout: stateOptions.settings.lockTimeout,
                                                                reporter: NoticePrinter()) else {
                    Terminal.err("note: \(source.description) holds no state; nothing to copy\n")
                    continue
                }
                copied += 1
                Terminal.out("Copied \(count) entr\(count == 1 ? "y" : "ies") from \(source.description) to \(target.description); read back and verified.\n")
            }
            if copied == 0 { throw CommandFailure("there was no state to copy") }
        }
    }
}

