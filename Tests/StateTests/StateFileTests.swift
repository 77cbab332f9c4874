import Foundation
import JSON
import State
import Testing

@Suite struct StateFileTests {
    @Test func roundTrips() throws {
        let state = sampleState()
        let decoded = try State.decode(state.encoded(), path: "batchctl.state.json")
        #expect(decoded == state)
        #expect(decoded.tasks["nightly/import-eu-02"]?.applied["ParameterObject"]?["rows"] == [1, 2.5, true, .null])
    }

    @Test(arguments: [
        (#"{"a":"(sensitive) x"}"#, true), (#"{"a":"x(sensitive) "}"#, true), (#"(sensitive) "#, true),
        (#"{"a":"((sensitive)"}"#, false), (#"{"a":"(sensitive"}"#, false), ("(", false), ("", false),
        (#"{"a":"(s(se(sensitive) "}"#, true),
    ])
    func appliedMentionsFindsTheNeedleAnywhereInTheText(text: String, found: Bool) {
        let needle = Array("(sensitive) ".utf8)
        let read = StateEntry(id: 1, fingerprint: "f", appliedText: Array(text.utf8), appliedAt: "t", source: "s")
        #expect(read.appliedMentions(needle) == found)
        if let value = try? JSONValue.parse(text), case .object = value {
            let built = StateEntry(id: 1, fingerprint: "f", applied: value, appliedAt: "t", source: "s")
            #expect(built.appliedMentions(needle) == found)
        }
    }

    @Test func roundTripSortsAppliedKeys() throws {
        var state = State.new(endpoint: "e")
        state.tasks["s/k"] = StateEntry(id: 1, fingerprint: "f", applied: ["b": ["y": 1, "x": 2], "a": 3], appliedAt: "t", source: "s")
        let decoded = try State.decode(state.encoded(), path: "s")
        #expect(decoded.tasks["s/k"]?.applied == ["a": 3, "b": ["x": 2, "y": 1]])
    }

    @Test func keysAreSortedAtEveryLevelAndReencodingIsByteIdentical() throws {
        var state = State(lineage: "6f1c", serial: 42, endpoint: "https://host/crm/api/v1")
        state.tasks["nightly/b"] = StateEntry(id: 685, fingerprint: "sha256:ff",
            applied: ["Name": "n", "Context": "c", "ParameterObject": ["z": 1, "a": ["y": [], "b": [:]]]],
            appliedAt: "2026-11-29T07:00:00Z", source: "tasks/nightly.yaml:12:5")
        state.tasks["nightly/a"] = StateEntry(id: 1, fingerprint: "sha256:00", applied: [:],
            appliedAt: "2026-11-29T07:00:00Z", source: "tasks/nightly.yaml:3:5")
        let expected = """
            {
              "endpoint": "https://host/crm/api/v1",
              "formatVersion": 2,
              "lineage": "6f1c",
              "serial": 42,
              "tasks": {
                "nightly/a": {
                  "applied": {},
                  "appliedAt": "2026-11-29T07:00:00Z",
                  "fingerprint": "sha256:00",
                  "id": 1,
                  "source": "tasks/nightly.yaml:3:5"
                },
                "nightly/b": {
                  "applied": {"Context":"c","Name":"n","ParameterObject":{"a":{"b":{},"y":[]},"z":1}},
                  "appliedAt": "2026-11-29T07:00:00Z",
                  "fingerprint": "sha256:ff",
                  "id": 685,
                  "source": "tasks/nightly.yaml:12:5"
                }
              }
            }

            """
        let encoded = state.encoded()
        #expect(String(decoding: encoded, as: UTF8.self) == expected)
        #expect(try State.decode(encoded, path: "s").encoded() == encoded)
        let big = sampleState()
        #expect(try State.decode(big.encoded(), path: "s").encoded() == big.encoded())
    }

    @Test func entriesReadFromAFileKeepTheirFieldsAsTextUntilRead() throws {
        let state = sampleState()
        let decoded = try State.decode(state.encoded(), path: "s")
        let entry = try #require(decoded.tasks["nightly/import-eu-02"])
        #expect(entry.appliedIsText)
        #expect(entry.applied == state.tasks["nightly/import-eu-02"]?.applied)
        let compact = try #require(state.tasks["nightly/import-eu-02"]?.applied.serializedBytes(sortedKeys: true))
        #expect(entry.appliedText(is: compact))
        #expect(!(state.tasks["nightly/import-eu-02"]?.appliedText(is: compact) ?? true), "fields set in memory are not text")
        var changed = entry
        changed.applied = ["Name": "other"]
        #expect(!changed.appliedIsText && changed != entry)
        // A state written with the fields spread over lines (as earlier versions did) reads the same.
        var spread = JSONWriter(pretty: true, sortedKeys: true)
        spread.write(try JSONValue.parse(state.encoded()))
        let reread = try State.decode(spread.bytes, path: "s")
        #expect(reread == state)
        #expect(reread.tasks["nightly/import-eu-02"]?.appliedText(is: compact) == true)
    }

    @Test func aBrokenValueInsideAppliedIsReportedWhereItIs() {
        let text = "{\"formatVersion\": 1, \"lineage\": \"l\", \"serial\": 1, \"endpoint\": \"e\", \"tasks\": {\"a/b\": {\"id\": 1,\n \"applied\": {\"Name\": \"x\\q\"}}}}"
        let error = stateError { try State.decode(Array(text.utf8), path: "s.json") }
        #expect(error?.isCorrupt == true)
        #expect(error?.message.contains("line 2, column 24") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("invalid escape") == true, "\(error?.message ?? "")")
    }

    @Test func newStatesHaveAFreshLineageAndSerialZero() {
        let a = State.new(endpoint: "e")
        let b = State.new(endpoint: "e")
        #expect(a.lineage != b.lineage)
        #expect(a.serial == 0)
        #expect(a.tasks.isEmpty)
    }

    @Test func aStatePathThatIsALinkIsWrittenThroughTheLink() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/shared", withIntermediateDirectories: false)
            let target = directory + "/shared/team.state.json"
            let link = directory + "/batchctl.state.json"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "shared/team.state.json")
            let backend = LocalStateBackend(path: link)
            #expect(backend.path == directory + "/shared/team.state.json", "messages name the file that is written")
            var state = State.new(endpoint: "https://a/api/v1")
            state.tasks["s/a"] = entry(1)
            let first = try backend.save(state)
            _ = try backend.save(first)
            let attributes = try FileManager.default.attributesOfItem(atPath: link)
            #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink, "the link stays a link")
            #expect(try State.decode(Array(Data(contentsOf: URL(fileURLWithPath: target))), path: target).serial == 2)
            #expect(FileManager.default.fileExists(atPath: target + ".backup"), "the backup sits beside the target")
            #expect(try LocalStateBackend(path: link).load()?.tasks["s/a"]?.id == 1)
        }
    }

    @Test func saveWritesMode0600AndBumpsTheSerial() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            #expect(try backend.load() == nil)
            let saved = try backend.save(sampleState())
            #expect(saved.serial == 1)
            let attributes = try FileManager.default.attributesOfItem(atPath: backend.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try backend.load() == saved)
            let again = try backend.save(saved)
            #expect(again.serial == 2)
            #expect(try LocalStateBackend(path: backend.path).load() == again)
            // No temporary files are left beside it.
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(names == ["batchctl.state.json", "batchctl.state.json.backup"])
        }
    }

    @Test func theBackupIsThePreviousFile() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            var state = try backend.save(sampleState())
            #expect(!FileManager.default.fileExists(atPath: backend.backupPath))
            let first = bytes(of: backend.path)
            state.tasks["nightly/new"] = entry(999)
            state = try backend.save(state)
            #expect(bytes(of: backend.backupPath) == first)
            let second = bytes(of: backend.path)
            state.tasks["nightly/new"] = nil
            state = try backend.save(state)
            #expect(bytes(of: backend.backupPath) == second)
            #expect(try State.decode(bytes(of: backend.backupPath) ?? [], path: "b").serial == 2)
            let attributes = try FileManager.default.attributesOfItem(atPath: backend.backupPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func aCorruptStateIsRefusedNamingTheBackupAndLeftUntouched() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let saved = try backend.save(try backend.save(sampleState()))
            let corrupt = "{\n  \"endpoint\": \"x\",\n  \"formatVersion\": 1,,\n"
            try write(corrupt, to: backend.path)

            let error = stateError { try backend.load() }
            #expect(error?.isCorrupt == true)
            #expect(error?.message.hasPrefix("\(backend.path) is not valid JSON (line 3, column 22:") == true, "\(String(describing: error))")
            #expect(error?.message.hasSuffix("it was not changed. The last good copy is \(backend.path).backup") == true)

            // Saving does not overwrite it either, nor replace the good backup with it.
            let backup = bytes(of: backend.backupPath)
            #expect(stateError { try backend.save(saved) }?.isCorrupt == true)
            #expect(stateError { try LocalStateBackend(path: backend.path).save(saved) }?.isCorrupt == true)
            #expect(bytes(of: backend.path) == Array(corrupt.utf8))
            #expect(bytes(of: backend.backupPath) == backup)
        }
    }

    @Test func aCorruptStateWithoutBackupSaysSo() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            try write("", to: backend.path)
            let error = stateError { try backend.load() }
            #expect(error?.message == "\(backend.path) is empty; it was not changed. There is no backup (\(backend.path).backup does not exist)")
        }
    }

    @Test(arguments: [
        (#"[]"#, "is not a valid state (expected an object, got an array)"),
        (#"{"formatVersion": 1}"#, #"is not a valid state (member "lineage" is missing)"#),
        (#"{"formatVersion": "1"}"#, "is not a valid state (formatVersion: expected an integer, got a string)"),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {}, "extra": 1}"#,
         #"is not a valid state (unknown member "extra")"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 4294967296}}}"#,
         #"is not a valid state (tasks."a/b".id: 4294967296 is out of range)"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "applied": [], "appliedAt": "t", "source": "s"}}}"#,
         #"is not a valid state (tasks."a/b".applied: expected an object, got an array)"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "applied": 5, "appliedAt": "t", "source": "s"}}}"#,
         #"is not a valid state (tasks."a/b".applied: expected an object, got a number)"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 1, "fingerprint": "f", "appliedAt": "t", "source": "s"}}}"#,
         #"is not a valid state (tasks."a/b": member "applied" is missing)"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 9223372036854775807, "endpoint": "e", "tasks": {}}"#,
         #"is not a valid state (serial: 9223372036854775807 is not a valid serial (0 to 2^53))"#),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/x": {"id": 7, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}, "a/b": {"id": 7, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}}}"#,
         "is not a valid state (tasks: a/b and a/x both own task id 7; remove one with `batchctl state rm` after restoring a good copy, or edit the file)"),
        (#"{"formatVersion": 1, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {"a/b": {"id": 7, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}, "a/b": {"id": 8, "fingerprint": "f", "applied": {}, "appliedAt": "t", "source": "s"}}}"#,
         #"is not valid JSON (line 1, column 248: duplicate key "a/b" in the object that ends here)"#),
    ])
    func malformedStatesNameTheProblem(text: String, detail: String) {
        let error = stateError { try State.decode(Array(text.utf8), path: "s.json") }
        #expect(error?.isCorrupt == true)
        #expect(error?.message == "s.json \(detail); it was not changed. The last good copy is s.json.backup")
    }

    @Test func aNewerFormatIsRefused() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let text = #"{"formatVersion": 3, "somethingNew": true}"#
            try write(text, to: backend.path)
            let error = stateError { try backend.load() }
            #expect(error?.isNewerFormat == true)
            #expect(error?.message.contains("written by a newer batchctl (formatVersion 3); this one reads 2") == true)
            #expect(stateError { try backend.save(sampleState()) }?.isNewerFormat == true)
            #expect(bytes(of: backend.path) == Array(text.utf8))
        }
    }

    @Test func theEndpointIsChecked() throws {
        let state = sampleState(endpoint: "https://a/api/v1")
        try state.checkEndpoint("https://a/api/v1/")
        let error = stateError { try state.checkEndpoint("https://b/api/v1", stateDescription: "batchctl.state.json") }
        #expect(error?.isEndpointMismatch == true)
        #expect(error?.message == "batchctl.state.json is bound to endpoint https://a/api/v1, not https://b/api/v1: use the state file for that endpoint")
    }

    @Test func aDeletedStateWithABackupIsNotTakenForNoState() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            _ = try backend.save(try backend.save(sampleState()))
            try FileManager.default.removeItem(atPath: backend.path)
            let error = stateError { try backend.load() }
            #expect(error?.isMissing == true)
            #expect(error?.message.contains("cp \(backend.backupPath) \(backend.path)") == true)
        }
    }

    @Test func aSaveDoesNotOverwriteAnotherRunsWrite() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/batchctl.state.json"
            let first = LocalStateBackend(path: path)
            let base = try first.save(sampleState())
            let second = LocalStateBackend(path: path)
            let theirs = try #require(try second.load())
            _ = try second.save(theirs)
            let error = stateError { try first.save(base) }
            #expect(error?.isConflict == true)
            #expect(error?.message.contains("written by another run (serial 2) after this one read it (serial 1)") == true)

            let other = State.new(endpoint: "https://host/crm/api/v1")
            #expect(stateError { try first.save(other) }?.isConflict == true)
        }
    }
}
