import DesiredTasks
import Diagnostics
import Foundation
@testable import Manifest

/// A temporary directory of manifest files, removed when the test ends.
final class ManifestFixture {
    let directory: String

    init(_ files: [String: String]) throws {
        directory = NSTemporaryDirectory() + "batchctl-manifest-" + UUID().uuidString
        for (path, text) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The working directory is the process's: tests that run at once take turns in it.
    private static let workingDirectory = NSLock()

    /// Expands the fixture's manifests; paths in diagnostics are relative to the fixture directory.
    func expand(paths: [String] = ["."], configure: (inout ManifestOptions) -> Void = { _ in }) -> ExpansionResult {
        Self.workingDirectory.lock()
        defer { Self.workingDirectory.unlock() }
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(directory)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        var options = ManifestOptions(paths: paths)
        configure(&options)
        return ManifestEngine.expand(options)
    }

    /// Reads the fixture's `batchctl.yaml`; paths in diagnostics are relative to the fixture directory.
    func project() throws(DiagnosticList) -> Project {
        Self.workingDirectory.lock()
        defer { Self.workingDirectory.unlock() }
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(directory)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        return try Project.load()
    }
}

/// The only manifest, `set.yaml`, with a TaskSet header around `body`.
func taskSet(_ body: String, name: String = "s") -> String {
    "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata:\n  name: \(name)\n" + body
}

func expand(_ body: String, configure: (inout ManifestOptions) -> Void = { _ in }) throws -> ExpansionResult {
    try ManifestFixture(["set.yaml": taskSet(body)]).expand(configure: configure)
}

extension ExpansionResult {
    var errors: [String] { diagnostics.filter(\.isError).map(\.description) }
    var warnings: [String] { diagnostics.filter { !$0.isError }.map(\.description) }
    func task(_ address: String) -> DesiredTask? { tasks.first { $0.address == address } }
}
