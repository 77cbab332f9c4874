import Foundation
import Testing

/// The SuperOffice Python SDK (PyPI `superoffice-python-sdk`) against the real `batchctl serve`: a client we did
/// not write, with its own idea of headers (`SOTicket`, `SO-AppToken`, `Accept: aplication/json`, sic).
@Suite struct PythonSDKTests {
    /// Why the test cannot run here; nil when it can. With `CI=true` nothing is skipped: a missing prerequisite
    /// fails the test instead.
    static let missingPrerequisite: String? = {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return nil }
        guard let python = PythonEnvironment.python3 else { return "skipped: python3 is not on PATH" }
        guard PythonEnvironment.succeeds(python, ["-m", "pip", "--version"]) else { return "skipped: python3 has no pip" }
        return nil
    }()

    @Test(.disabled(if: missingPrerequisite != nil, Comment(rawValue: missingPrerequisite ?? "")))
    func theSDKCreatesReadsUpdatesAndDeletesABatchTask() async throws {
        let python = try #require(PythonEnvironment.python3, "python3 is required (CI=true)")
        let venv = try PythonEnvironment.prepare(python: python)
        let ticket = "7T:python-sdk-\(UUID().uuidString.prefix(8))"
        let appToken = "python-sdk-app"
        let directory = try TemporaryDirectory()
        let emulator = try EmulatorProcess(
            database: directory.path + "/sdk.sqlite", arguments: ["--ticket", ticket, "--app-token", appToken, "--job-duration", "0"])
        defer { emulator.stop() }
        let outcome = try PythonEnvironment.run(
            venv.python, ["-c", Self.script],
            environment: ["EMULATOR_URL": emulator.baseURL, "EMULATOR_TICKET": ticket, "EMULATOR_APP_TOKEN": appToken, "PYTHONPATH": venv.stubs])
        #expect(outcome.status == 0, "python: \(outcome.output)")
        #expect(outcome.output.contains("sdk ok"), "python: \(outcome.output)")
    }

    /// Calls the SDK's own `SOType` methods. Its base URL is fixed to `https://<env>.superoffice.com/<cust>/api/v1/`,
    /// so the one thing changed is that URL, pointed at the emulator; the headers are the SDK's.
    static let script = #"""
        import os
        import requests
        from superofficesdk.rest import SOType

        tasks = SOType("BatchTask", "Cust12345", "online", "v1", requests.Session(),
                       os.environ["EMULATOR_TICKET"], os.environ["EMULATOR_APP_TOKEN"])
        tasks.base_url = os.environ["EMULATOR_URL"] + "/api/v1/BatchTask/"

        new_id = tasks.create({"Name": "from python", "ParameterObject": {"count": 3, "dry": True},
                               "CancellationBehaviour": "CanCancel"})
        assert isinstance(new_id, int), new_id

        task = tasks.get(str(new_id))
        assert task["Id"] == new_id, task
        assert task["Name"] == "from python", task
        assert task["IsSystemTask"] is False, task
        assert task["ParameterObject"] == {"count": "3", "dry": "True"}, task
        assert task["State"] == "Succeeded", task

        status = tasks.update(str(new_id), {"Description": "changed by the SDK", "State": "SucceededManualCleanup"})
        assert status == 200, status
        changed = tasks.get(str(new_id))
        assert changed["Description"] == "changed by the SDK", changed
        assert changed["State"] == "SucceededManualCleanup", changed
        assert changed["Name"] == "from python", changed

        assert tasks.delete(str(new_id)) == 204
        gone = tasks.get(str(new_id))
        assert gone["Error"] is True and gone["ErrorType"] == "SoNotFoundException", gone

        wrong = SOType("BatchTask", "Cust12345", "online", "v1", requests.Session(), "7T:wrong", os.environ["EMULATOR_APP_TOKEN"])
        wrong.base_url = tasks.base_url
        assert wrong.delete("1") == 401
        print("sdk ok")
        """#
}

/// A virtual environment under `.build/python-sdk-venv` with the SDK installed, reused when present.
enum PythonEnvironment {
    struct Venv {
        var python: String
        /// A directory of empty stand-ins for `OpenSSL` and `suds`: the SDK's `login.py` imports them when
        /// `rest.py` is imported, and login is not used here (the ticket is given).
        var stubs: String
    }

    struct Outcome {
        var status: Int32
        var output: String
    }

    static var python3: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
        (try? run(executable, arguments).status) == 0
    }

    static func prepare(python: String) throws -> Venv {
        try whilePreparing { try prepareSDK(python: python) }
    }

    private static func prepareSDK(python: String) throws -> Venv {
        let root = BinaryRunner.repositoryRoot + "/.build/python-sdk-venv"
        let stubs = root + "/stubs"
        let venvPython = try virtualEnvironment("python-sdk-venv", python: python)
        let files = [
            "OpenSSL/__init__.py": "crypto = None\n", "suds/__init__.py": "", "suds/client.py": "Client = None\n",
        ]
        for (name, text) in files {
            let path = stubs + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let probe = ["-c", "import superofficesdk.rest, requests"]
        if try run(venvPython, probe, environment: ["PYTHONPATH": stubs]).status != 0 {
            // --no-deps: the SDK's declared suds-jurko no longer installs on Python 3; requests is all rest.py needs.
            let installed = try run(venvPython, ["-m", "pip", "install", "--quiet", "--no-deps", "superoffice-python-sdk"])
            guard installed.status == 0 else { throw PythonError("pip install superoffice-python-sdk failed: \(installed.output)") }
            let requests = try run(venvPython, ["-m", "pip", "install", "--quiet", "requests"])
            guard requests.status == 0 else { throw PythonError("pip install requests failed: \(requests.output)") }
        }
        return Venv(python: venvPython, stubs: stubs)
    }

    /// Tests that prepare a virtual environment take turns: two at once would each find the other's half-made one.
    static let preparing = NSLock()

    /// Runs `body` while no other test prepares a virtual environment.
    static func whilePreparing<T>(_ body: () throws -> T) rethrows -> T {
        preparing.lock()
        defer { preparing.unlock() }
        return try body()
    }

    /// The python of the virtual environment `.build/<name>`, created when missing. Its pip is the sign that it is
    /// complete: `python3 -m venv` writes the python first and pip last.
    static func virtualEnvironment(_ name: String, python: String) throws -> String {
        let root = BinaryRunner.repositoryRoot + "/.build/" + name
        let venvPython = root + "/bin/python"
        if !FileManager.default.isExecutableFile(atPath: root + "/bin/pip") {
            try? FileManager.default.removeItem(atPath: root)
            let created = try run(python, ["-m", "venv", root])
            guard created.status == 0 else { throw PythonError("python3 -m venv failed: \(created.output)") }
        }
        return venvPython
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = BinaryRunner.spawnDirectory
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

struct PythonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
