@testable import Controller
import Foundation
import Testing

/// `--git-pull` against a real git, without a server.
struct GitPullTests {
    @Test func aFolderThatIsNoRepositoryFailsTheCycleWithWhatGitSaid() async throws {
        let directory = NSTemporaryDirectory() + "batchctl-pull-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try await GitPull.run(in: directory)
            Issue.record("a pull outside a repository succeeded")
        } catch let failure as ControllerFailure {
            #expect(failure.message.hasPrefix("git pull --ff-only failed in \(directory): "), "\(failure.message)")
            #expect(failure.message.contains("not a git repository"), "\(failure.message)")
            #expect(!failure.message.contains("\n"), "one line, as every message in the log is")
        }
    }
}
