import ArgumentParser
import DesiredTasks
import Diagnostics
import Foundation
import Manifest

/// `-C`: every command works as if started in another directory.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("chdir")], help: ArgumentHelp("Work as if started in DIR.", valueName: "DIR"))
    var chdir: String?

    /// Changes directory, then reads `batchctl.yaml` there, as the environment `--env` (or `BATCHCTL_ENV`) names sees it.
    func enterProject(_ environment: EnvironmentOption) throws -> Project {
        if let chdir, !FileManager.default.changeCurrentDirectoryPath(chdir) {
            throw ValidationError("cannot change to directory '\(chdir)'")
        }
        return try Self.loadProject(environment)
    }

    /// Reads `batchctl.yaml` in the current directory, as the environment `--env` (or `BATCHCTL_ENV`) names sees it.
    static func loadProject(_ environment: EnvironmentOption) throws -> Project {
        let project = try Project.load()
        if let name = environment.name { return try project.choosing(environment: name) }
        // An empty BATCHCTL_ENV counts as unset, as an empty BATCHCTL_STATE does.
        let fromEnvironment = ProcessInfo.processInfo.environment["BATCHCTL_ENV"].flatMap { $0.isEmpty ? nil : $0 }
        return try project.choosing(environment: fromEnvironment, given: "BATCHCTL_ENV")
    }
}
