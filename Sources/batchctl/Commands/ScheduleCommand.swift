import ArgumentParser
import JSON
import Manifest
import Planning
import Reconcile
import Session
import State

/// `batchctl schedule`: when each scheduled task is next due, and what it missed.
struct ScheduleCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
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
        switch format {
        case .json:
            let document: JSONValue = ["formatVersion": 1, "now": .string(Timestamp.string(options.now)),
                                       "schedules": .array(plan.schedules.map(PlanDocument.scheduled))]
            Terminal.write(document.serializedBytes(pretty: true) + [10], to: 1)
        case .text:
            Terminal.out(RunRendering.schedules(plan.schedules, now: options.now, style: Style(enabled: Terminal.usesColor(1))))
        }
    }
}
