import ArgumentParser
import DesiredTasks
import Manifest
import Planning

/// Flags that shape a plan, shared by plan and apply.
struct PlanningOptions: ParsableArguments {
    @Option(name: .customLong("refresh"), help: ArgumentHelp("Read the live tasks from the API before planning.", valueName: "true|false"))
    var refresh = true

    @OptionGroup var refreshRead: RefreshReadOption

    @Flag(name: .customLong("prune"), help: "Delete managed tasks that left the manifests.")
    var prune = false

    @Flag(name: .customLong("allow-mass-delete"), help: "Allow a plan that deletes more than half of the managed tasks.")
    var allowMassDelete = false

    @Option(name: .customLong("replace"), help: ArgumentHelp(
        "Start a new run of this task (address or glob; repeatable): the same fields started again, the current run kept as history.",
        valueName: "ADDR"))
    var replace: [String] = []

    func options(endpoint: String, selection: TaskSelection, fields: FieldModel) throws -> PlanOptions {
        var options = PlanOptions(endpoint: endpoint)
        options.fields = fields
        options.prune = prune
        options.allowMassDelete = allowMassDelete
        options.selection = selection
        options.runs = replace.map(Glob.init)
        options.now = try RunClock.now()
        return options
    }
}
