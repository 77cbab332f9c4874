import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON
import Testing
import _CryptoExtras

/// SuperOffice Online against `batchctl serve` playing the login service: the real binary signs in with the
/// system-user flow (or a refresh token), renews what expires mid-run, and stops when the tenant does.
@Suite(.serialized) struct OnlineTests {
    static let systemUserToken = "SYS-token-\(UUID().uuidString)"
    static let clientSecret = "client-secret-\(UUID().uuidString)"
    static let refreshToken = "refresh-\(UUID().uuidString)"
    static let adminKey = "admin-\(UUID().uuidString)"
    static let context = "Cust00000"

    /// The partner application's key, and a second key the login service does not know.
    static let keys: (partner: _RSA.Signing.PrivateKey, stranger: _RSA.Signing.PrivateKey)? = {
        guard let partner = try? _RSA.Signing.PrivateKey(keySize: .bits2048),
              let stranger = try? _RSA.Signing.PrivateKey(keySize: .bits2048)
        else { return nil }
        return (partner, stranger)
    }()

    /// A project of `count` tasks, the partner's private key (PKCS#8 PEM), a stranger's, and the partner's public key.
    private func project(tasks count: Int) throws -> TemporaryDirectory {
        let keys = try #require(Self.keys)
        let directory = try ReconcileTests.project(tasks: count)
        try keys.partner.pemRepresentation.write(toFile: directory.path + "/app.pem", atomically: true, encoding: .utf8)
        try keys.stranger.pemRepresentation.write(toFile: directory.path + "/other.pem", atomically: true, encoding: .utf8)
        try keys.partner.publicKey.pemRepresentation.write(toFile: directory.path + "/app.pub", atomically: true, encoding: .utf8)
        return directory
    }

    private func server(_ directory: TemporaryDirectory, _ arguments: [String] = []) throws -> EmulatorProcess {
        try EmulatorProcess(database: directory.path + "/server.sqlite", arguments: [
            "--partner-key", directory.path + "/app.pub", "--client-secret", Self.clientSecret,
            "--system-user-token", Self.systemUserToken, "--refresh-token", Self.refreshToken,
            "--admin-key", Self.adminKey, "--job-duration", "0",
        ] + arguments)
    }

    /// The system-user flow's variables, and no other credential; no endpoint: it comes from the JWT.
    private func systemUser(_ server: EmulatorProcess, _ directory: TemporaryDirectory, key: String = "app.pem") -> [String: String] {
        [
            "BATCHCTL_SYSTEM_USER_TOKEN": Self.systemUserToken, "BATCHCTL_PRIVATE_KEY_FILE": directory.path + "/" + key,
            "BATCHCTL_CLIENT_SECRET": Self.clientSecret, "BATCHCTL_CONTEXT_IDENTIFIER": Self.context,
            "BATCHCTL_LOGIN_URL": server.baseURL + "/Login", "BATCHCTL_ENDPOINT": "", "BATCHCTL_USER": "", "BATCHCTL_PASSWORD": "",
        ]
    }

    private func setTenant(_ server: EmulatorProcess, _ body: String) async throws {
        var request = URLRequest(url: try #require(URL(string: server.baseURL + "/_emulator/tenant-state")))
        request.httpMethod = "POST"
        request.setValue(Self.adminKey, forHTTPHeaderField: "X-Emulator-Admin-Key")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }

    /// The server holds exactly `count` tasks, each once.
    private func expectExactly(_ count: Int, on server: EmulatorProcess) async throws {
        let tasks = try await RawHTTP(server).allTasks()
        let names = tasks.compactMap { $0["Name"]?.stringValue }
        #expect(tasks.count == count, "the server holds \(tasks.count) tasks")
        #expect(Set(names).count == names.count, "\(names.count - Set(names).count) duplicates")
    }

    /// How many times the run signed in, from its closing note (1 when it printed none).
    private func signIns(_ outcome: BinaryRunner.Outcome) -> Int {
        guard let range = outcome.stderr.range(of: " times: the ticket or access token expired during the run") else { return 1 }
        return Int(String(outcome.stderr[..<range.lowerBound].reversed().prefix { $0.isNumber }.reversed())) ?? 0
    }

    /// No secret of the flow, and no ticket, access token or JWT the login service issued, in any of `texts` or
    /// in any file of the project folder (state, backup, journal, plans).
    private func expectNoSecrets(_ texts: [String], in directory: TemporaryDirectory) throws {
        let keys = try #require(Self.keys)
        let keyLines = keys.partner.pemRepresentation.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        var haystacks = texts
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
        where !name.hasPrefix("server.sqlite") && !name.hasSuffix(".pem") && !name.hasSuffix(".pub") {
            var isDirectory: ObjCBool = false
            let path = directory.path + "/" + name
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               let text = try? String(contentsOfFile: path, encoding: .utf8) {
                haystacks.append(text)
            }
        }
        let needles = [Self.systemUserToken, Self.clientSecret, Self.refreshToken, "7T:", "8A:", "eyJ"] + keyLines
        for text in haystacks {
            for needle in needles {
                #expect(!text.contains(needle), "a secret (\(needle.prefix(4))...) appears in: \(text.prefix(300))")
            }
        }
    }

    @Test func aLongApplySignsInAgainWhenTheTicketExpiresAndCreatesEveryTaskOnce() async throws {
        let directory = try project(tasks: 3000)
        let server = try server(directory, ["--ticket-lifetime", "2", "--latency", "10"])
        defer { server.stop() }
        let environment = systemUser(server, directory)
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path,
                                         environment: environment.merging(["BATCHCTL_LOG": "debug"]) { $1 })
        #expect(apply.status == 0, "\(apply.stderr.suffix(2000))")
        #expect(apply.stdout.contains("Done: 3000 succeeded, 0 failed, 0 skipped."))
        let count = signIns(apply)
        #expect(count >= 2, "the ticket lasts 2 s and the run took longer, yet it signed in \(count) time(s)")
        try await expectExactly(3000, on: server)

        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        #expect(state["endpoint"]?.stringValue == "tenant:\(Self.context)@\(server.baseURL.dropFirst("http://".count))")
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode", "--out", "saved.plan"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(500))\(plan.stderr.suffix(500))")
        try expectNoSecrets([apply.stdout, apply.stderr, plan.stdout, plan.stderr], in: directory)
    }

    @Test func aWrongKeySecretOrSigningTimeIsNamedAndNothingIsSent() async throws {
        let directory = try project(tasks: 3)
        let server = try server(directory)
        defer { server.stop() }
        let environment = systemUser(server, directory)
        let wrongKey = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path,
                                            environment: systemUser(server, directory, key: "other.pem"))
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("BATCHCTL_PRIVATE_KEY_FILE"), "\(wrongKey.stderr)")
        let wrongSecret = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path,
                                               environment: environment.merging(["BATCHCTL_CLIENT_SECRET": "not-the-secret"]) { $1 })
        #expect(wrongSecret.status == 1)
        #expect(wrongSecret.stderr.contains("BATCHCTL_CLIENT_SECRET"), "\(wrongSecret.stderr)")
        let missingKey = try BinaryRunner.run(["plan"], in: directory.path,
                                              environment: environment.merging(["BATCHCTL_PRIVATE_KEY_FILE": directory.path + "/none.pem"]) { $1 })
        #expect(missingKey.status == 1)
        #expect(missingKey.stderr.contains("BATCHCTL_PRIVATE_KEY_FILE: cannot read"), "\(missingKey.stderr)")
        try await expectExactly(0, on: server)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/batchctl.state.json"))

        // A login service whose clock is an hour ahead sees a signing time an hour old.
        let skewed = try self.server(directory, ["--login-clock-offset", "3600"])
        defer { skewed.stop() }
        let stale = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: systemUser(skewed, directory))
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("clock") && stale.stderr.contains("BATCHCTL_SYSTEM_USER_TOKEN"), "\(stale.stderr)")
        try await expectExactly(0, on: skewed)
        try expectNoSecrets([wrongKey.stderr, wrongSecret.stderr, missingKey.stderr, stale.stderr, stale.stdout], in: directory)
    }

    @Test func aTenantInMaintenanceGetsNothingAndOneThatGoesIntoItMidApplyStopsTheRun() async throws {
        let directory = try project(tasks: 2000)
        let server = try server(directory, ["--latency", "10"])
        defer { server.stop() }
        let environment = systemUser(server, directory)

        try await setTenant(server, #"{"State": "OfflineMaintenance"}"#)
        let before = try BinaryRunner.run(["apply", "--auto-approve"], in: directory.path, environment: environment)
        #expect(before.status == 1)
        #expect(before.stderr.contains("the tenant \(Self.context) is OfflineMaintenance"), "\(before.stderr)")
        #expect(before.stderr.contains("nothing was sent"))
        // The API answers nothing while the tenant is in maintenance: the count is taken once it runs again.
        try await setTenant(server, #"{"State": "Running"}"#)
        try await expectExactly(0, on: server)
        let output = Pipe()
        let reader = PipeReader(output)
        let run = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "4"], in: directory.path,
                                         environment: environment, output: output)
        try await BinaryRunner.waitForFile(directory.path + "/batchctl.state.json.journal", largerThan: 20_000)
        try await setTenant(server, #"{"State": "OfflineMaintenance"}"#)
        run.waitUntilExit()
        let stopped = String(decoding: reader.wait(), as: UTF8.self)
        #expect(run.terminationStatus == 1)
        #expect(stopped.contains("Stopped: the tenant \(Self.context) is OfflineMaintenance"), "\(stopped.suffix(1500))")
        try await setTenant(server, #"{"State": "Running"}"#)
        let made = try await RawHTTP(server).allTasks().count
        #expect(made > 0 && made < 2000, "the run stopped part way: \(made) of 2000")
        let after = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path, environment: environment)
        #expect(after.status == 0, "\(after.stderr.suffix(1500))")
        try await expectExactly(2000, on: server)
        try expectNoSecrets([before.stderr, stopped, after.stdout, after.stderr], in: directory)
    }

    @Test func aTenantThatMovesMidApplyIsFollowedToItsNewHost() async throws {
        let directory = try project(tasks: 1500)
        let server = try server(directory, ["--latency", "10"])
        defer { server.stop() }
        let environment = systemUser(server, directory)
        let output = Pipe()
        let reader = PipeReader(output)
        let run = try BinaryRunner.start(["apply", "--auto-approve", "--parallelism", "4"], in: directory.path,
                                         environment: environment.merging(["BATCHCTL_LOG": "debug"]) { $1 }, output: output)
        try await BinaryRunner.waitForFile(directory.path + "/batchctl.state.json.journal", largerThan: 20_000)
        try await setTenant(server, #"{"State": "Running", "MoveTo": "eu2"}"#)
        run.waitUntilExit()
        let log = String(decoding: reader.wait(), as: UTF8.self)
        #expect(run.terminationStatus == 0, "\(log.suffix(1500))")
        #expect(log.contains("-> 421; the tenant is served elsewhere now: retrying at \(server.baseURL)/eu2/\(Self.context)"))
        try await expectExactly(1500, on: server)
        // The state is bound to the tenant, not to the host it was found on.
        let plan = try BinaryRunner.run(["plan", "--detailed-exitcode"], in: directory.path, environment: environment)
        #expect(plan.status == 0, "\(plan.stdout.suffix(500))\(plan.stderr.suffix(500))")
        try expectNoSecrets([log, plan.stdout, plan.stderr], in: directory)
    }

    @Test func aRefreshTokenRunRenewsItsAccessTokenMidApply() async throws {
        let directory = try project(tasks: 2000)
        let server = try server(directory, ["--access-token-lifetime", "2", "--latency", "10"])
        defer { server.stop() }
        let environment = [
            "BATCHCTL_REFRESH_TOKEN": Self.refreshToken, "BATCHCTL_CLIENT_ID": "batchctl-tests",
            "BATCHCTL_CLIENT_SECRET": Self.clientSecret, "BATCHCTL_LOGIN_URL": server.baseURL + "/Login",
            "BATCHCTL_ENDPOINT": server.baseURL + "/" + Self.context, "BATCHCTL_USER": "", "BATCHCTL_PASSWORD": "",
            "BATCHCTL_LOG": "debug",
        ]
        let apply = try BinaryRunner.run(["apply", "--auto-approve", "--parallelism", "8"], in: directory.path, environment: environment)
        #expect(apply.status == 0, "\(apply.stderr.suffix(2000))")
        let count = signIns(apply)
        #expect(count >= 2, "the access token lasts 2 s and the run took longer, yet it was fetched \(count) time(s)")
        try await expectExactly(2000, on: server)

        let refused = try BinaryRunner.run(["plan"], in: directory.path,
                                           environment: environment.merging(["BATCHCTL_REFRESH_TOKEN": "refresh-not-known"]) { $1 })
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the token endpoint refused BATCHCTL_REFRESH_TOKEN"), "\(refused.stderr)")
        try expectNoSecrets([apply.stdout, apply.stderr, refused.stderr], in: directory)
    }
}
