import ArgumentParser
import Foundation
import JSON
import Manifest
import Planning
import Reconcile
import Session
import State

/// `batchctl schedule [list|suspend|resume]`: when each scheduled task is next due, and keeping tasks from starting.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "List the scheduled tasks (run.when: schedule), or suspend and resume them.",
        subcommands: [List.self, Suspend.self, Resume.self],
        defaultSubcommand: List.self)

    /// `batchctl schedule` (`list`): each scheduled task's schedule, last run, next due time and missed runs.
    struct List: ReportingCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the scheduled tasks (run.when: schedule): their schedule, last run, next due time and missed runs.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var environment: EnvironmentOption
        @OptionGroup var input: ManifestInput
        @OptionGroup var targeting: TargetOptions
        @OptionGroup var endpoint: EndpointOptions
        @OptionGroup var stateOptions: StateOptions

        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("text or json.", valueName: "FORMAT"))
        var format: ListFormat = .text

        func execute() async throws {
            let project = try global.enterProject(environment)
            let result = try input.expand(project: project)
            let session = try endpoint.open(project, state: stateOptions)
            let state = try await session.read()
            var options = PlanOptions(endpoint: session.endpointName)
            options.fields = FieldModel(project: project)
            options.runsOnly = true
            options.now = try RunClock.now()
            options.selection = try targeting.selection(input)
            let plan = try state.plan(result, live: nil, options: options)
            let schedules = plan.schedules
            let pending = state.state.pending.filter { options.selection.includes(address: $0.key) }
            switch format {
            case .json:
                var document: JSONValue.Object = ["formatVersion": 1, "now": .string(Timestamp.string(options.now)),
                                                  "schedules": .array(schedules.map(PlanDocument.scheduled))]
                if !pending.isEmpty {
                    document["pending"] = .array(pending.keys.sorted().flatMap { address in
                        (pending[address] ?? []).map { PendingRendering.json(address, $0) }
                    })
                }
                Terminal.write(JSONValue.object(document).serializedBytes(pretty: true) + [10], to: 1)
            case .text:
                Terminal.out(RunRendering.schedules(schedules, now: options.now, style: Style(enabled: Terminal.usesColor(1)))
                             + PendingRendering.stateLines(pending, schedules: schedules))
            }
        }
    }

    /// Where the state is, for `suspend` and `resume`.
    struct Location: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var environment: EnvironmentOption
        @OptionGroup var stateOptions: StateOptions

        @Argument(help: ArgumentHelp("The tasks: addresses or globs such as nightly/import-*.", valueName: "ADDR"),
                  completion: AddressCompletion.kind)
        var addresses: [String]

        /// Locks the sets of the addresses, lets `change` edit the state, and saves it when `change` changed anything;
        /// prints what `change` says.
        func edit(_ operation: String, _ change: (inout State) throws -> (lines: [String], changed: Bool)) async throws {
            let project = try global.enterProject(environment)
            var lines: [String] = []
            let serial = try await ProjectSession.edit(operation, backend: stateOptions.backend(project: project),
                                                       lockTimeout: stateOptions.settings.lockTimeout,
                                                       sets: ScheduleSuspension.sets(of: addresses), reporter: NoticePrinter()) { session in
                var state = session.state
                let (said, changed) = try change(&state)
                lines = said
                guard changed else { return Optional<Int>.none }
                return try await session.edit { $0 = state }.serial
            }
            let saved = serial.map { " (state serial \($0))" } ?? " (the state is unchanged)"
            Terminal.out(lines.map(TerminalText.escape).joined(separator: "\n") + saved + "\n")
        }
    }

    struct Suspend: ReportingCommand {
        static let configuration = CommandConfiguration(
            commandName: "suspend",
            abstract: "Keep tasks from starting on their schedule, retrying or catching up, until `schedule resume`; recorded in the state with who, when and why.",
            discussion: """
                Only a task the state has an entry for (one that has run) can be suspended; a scheduled task that \
                never ran is kept from starting with run.suspend: true in its manifest. `batchctl run ADDR` still \
                starts a suspended task by hand.
                """)

        @OptionGroup var location: Location

        @Option(name: .customLong("reason"), help: ArgumentHelp("Why, as `schedule` and `status` show it.", valueName: "TEXT"))
        var reason = "suspended by command"

        func validate() throws {
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say something") }
        }

        func execute() async throws {
            let suspension = Suspension(by: LockInfo.currentHolder(), at: Timestamp.now(), reason: reason, afterFailures: false)
            try await location.edit("schedule suspend") { state in
                let changes = try ScheduleSuspension.suspend(location.addresses, with: suspension, in: &state)
                let lines = changes.map { change in
                    guard let before = change.before else {
                        return "Suspended \(change.address) \(ScheduleSuspension.describe(suspension))"
                    }
                    return "\(change.address) was already suspended \(ScheduleSuspension.describe(before)); unchanged"
                }
                return (lines, changes.contains(where: \.changed))
            }
        }
    }

    struct Resume: ReportingCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Let suspended or paused tasks start again, and set their count of failed runs back to 0.")

        @OptionGroup var location: Location

        func execute() async throws {
            try await location.edit("schedule resume") { state in
                let changes = try ScheduleSuspension.resume(location.addresses, in: &state)
                let lines = changes.map { change in
                    let failures = change.failuresBefore == 0 ? "" : "; its count of \(change.failuresBefore) failed run\(change.failuresBefore == 1 ? "" : "s") is back to 0"
                    guard let before = change.before else {
                        return change.changed ? "\(change.address) was not suspended\(failures)" : "\(change.address) was not suspended; unchanged"
                    }
                    return "Resumed \(change.address) (suspended \(ScheduleSuspension.describe(before)))\(failures)"
                }
                return (lines, changes.contains(where: \.changed))
            }
        }
    }
}
