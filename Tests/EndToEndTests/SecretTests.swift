import Crypto
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

extension SecretTests {
    private func project(secret: String) throws -> TemporaryDirectory {
        try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: job
                    Name: Job
                    ParameterObject:
                      password: ${sensitive("\(secret)")}
                """,
        ])
    }

    /// The marker a state from before keyed hashes kept: `(sensitive) sha256:` of the value's JSON.
    private func unkeyedMarker(_ object: String) -> String {
        "(sensitive) sha256:" + SHA256.hash(data: Array(object.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test func theStateKeepsOnlyAKeyedHashOfASecretAndItsKeyApartMode0600() async throws {
        let secret = "weak"
        let directory = try project(secret: secret)
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        let stateText = try String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8)
        let entry = try JSONValue.parse(stateText)["tasks"]?["a/job"]
        let marker = entry?["applied"]?["ParameterObject"]?.stringValue ?? ""
        #expect(marker.hasPrefix("(sensitive) hmac-sha256:"), "\(marker)")
        #expect(entry?["fingerprint"]?.stringValue?.hasPrefix("hmac-sha256:") == true, "a task with a secret has a keyed fingerprint")
        // Neither the old unkeyed hash nor the value is anywhere in the state.
        #expect(!stateText.contains(unkeyedMarker(#"{"password":"weak"}"#).dropFirst(12)))
        #expect(!stateText.contains(secret))
        let keyPath = directory.path + "/batchctl.state.json.key"
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8).count == 65)
        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")

        // Without its key the state is refused rather than every secret read as changed.
        try FileManager.default.moveItem(atPath: keyPath, toPath: keyPath + ".moved")
        let refused = try BinaryRunner.run(["plan", "--endpoint", "embedded"], in: directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the key is missing") && refused.stderr.contains("a/job"), "\(refused.stderr)")
        let applyRefused = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(applyRefused.status == 1, "apply does not make a new key over hashes made with another")
        #expect(!FileManager.default.fileExists(atPath: keyPath))
    }

    @Test func aStateFromBeforeKeyedHashesIsRewrittenKeyedWithoutReplacingAnything() async throws {
        let secret = "s3cret-\(UUID().uuidString.prefix(6))"
        let directory = try project(secret: secret)
        #expect(try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path).status == 0)
        let statePath = directory.path + "/batchctl.state.json"
        var text = try String(contentsOfFile: statePath, encoding: .utf8)
        let keyed = try #require(try JSONValue.parse(text)["tasks"]?["a/job"]?["applied"]?["ParameterObject"]?.stringValue)
        let id = try JSONValue.parse(text)["tasks"]?["a/job"]?["id"]?.intValue
        // As an older batchctl left it: the unkeyed marker, and no key.
        text = text.replacingOccurrences(of: keyed, with: unkeyedMarker(#"{"password":"\#(secret)"}"#))
        try text.write(toFile: statePath, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: statePath + ".key")

        let plan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(plan.status == 0, "the old marker still matches: \(plan.stdout)\(plan.stderr)")
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stderr.contains("rewrote the secret hashes of 1 task keyed"), "\(apply.stderr)")
        #expect(apply.stdout.contains("No changes."), "\(apply.stdout)")
        let after = try JSONValue.parse(String(contentsOfFile: statePath, encoding: .utf8))["tasks"]?["a/job"]
        #expect(after?["applied"]?["ParameterObject"]?.stringValue?.hasPrefix("(sensitive) hmac-sha256:") == true)
        #expect(after?["id"]?.intValue == id, "the task was not replaced")
        // A changed secret is still seen as a change.
        let changed = try project(secret: secret + "-new")
        try FileManager.default.removeItem(atPath: directory.path + "/sets/a.yaml")
        try FileManager.default.copyItem(atPath: changed.path + "/sets/a.yaml", toPath: directory.path + "/sets/a.yaml")
        let replan = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--detailed-exitcode"], in: directory.path)
        #expect(replan.status == 2, "\(replan.stdout)")
        #expect(!replan.stdout.contains(secret), "\(replan.stdout)")
    }
}

extension SecretTests {
    /// `!include-text` of a file the kernel makes up, such as the process's environment, is refused, flags or not.
    @Test func anIncludeOfTheProcessEnvironmentIsRefusedAndPrintsNothingOfIt() throws {
        let secret = "pw-\(UUID().uuidString.prefix(8))"
        let marker = "marker-\(UUID().uuidString.prefix(8))"
        let directory = try TemporaryDirectory(files: [
            "batchctl.yaml": "apiVersion: batchctl/v1\nkind: Project\nmanifests: [sets]\n",
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: direct
                    Name: Direct
                    Description: !include-text /proc/self/environ
                """,
            "sets/b.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: b}
                tasks:
                  - key: linked
                    Name: Linked
                    Description: !include-text ../notes.txt
                """,
        ])
        // A link inside the project that leads to the environment.
        try FileManager.default.createSymbolicLink(atPath: directory.path + "/notes.txt", withDestinationPath: "/proc/self/environ")
        let environment = ["BATCHCTL_PASSWORD": secret, "BATCHCTL_TEST_MARKER": marker]
        for output in ["json", "yaml", "table"] {
            let render = try BinaryRunner.run(["render", "--allow-include-outside", "-o", output], in: directory.path,
                                              environment: environment)
            // No output is shown on failure: it could hold the environment.
            #expect(render.status == 1)
            #expect(render.stderr.contains("sets/a.yaml:7:18: error: cannot read included file /proc/self/environ"))
            #expect(render.stderr.contains("sets/b.yaml:7:18: error: cannot read included file notes.txt"))
            for value in [secret, marker] {
                #expect(!render.stdout.contains(value) && !render.stderr.contains(value), "the environment was printed")
            }
        }
    }
}
