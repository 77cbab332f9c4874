import Foundation
import JSON
import Testing

/// Secrets end to end: what the server echoes back never shows them, and the state keeps only keyed hashes.
@Suite struct SecretTests {
    @Test func aFailedJobsResultThatEchoesASecretIsShownRedacted() async throws {
        let secret = "hunter2-\(UUID().uuidString.prefix(8))"
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            // The emulator's job fails with the text of ParameterObject.fail as its Result: here, the secret.
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: echo
                    Name: Echo
                    ParameterObject:
                      fail: ${sensitive("\(secret)")}
                """,
        ])
        let server = try EmulatorProcess(database: ":memory:", arguments: ["--job-duration", "0"])
        defer { server.stop() }
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--wait"], in: directory.path, environment: server.environment)
        #expect(apply.status == 1, "the job failed")
        #expect(apply.stderr.contains("job Failed: Failed: (sensitive)") || apply.stdout.contains("job Failed: Failed: (sensitive)"),
                "\(apply.stdout)\(apply.stderr)")
        #expect(!apply.stdout.contains(secret) && !apply.stderr.contains(secret), "the secret was printed")
        // The server did echo it: the redaction is batchctl's.
        let tasks = try await RawHTTP(server).allTasks()
        #expect(tasks.first?["Result"]?.stringValue == "Failed: \(secret)")
    }
}
