import Foundation
import JSON
import State
import Testing

@Suite struct JournalTests {
    static let records: [JournalRecord] = [
        .intent(sequence: 1, action: .create, address: "nightly/a", id: nil, fingerprint: "sha256:01", at: "2026-11-29T07:00:00Z"),
        .outcome(sequence: 1, address: "nightly/a", result: .created(entry(685))),
        .intent(sequence: 2, action: .update, address: "nightly/b", id: 686, fingerprint: "sha256:02", at: "2026-11-29T07:00:01Z"),
        .outcome(sequence: 2, address: "nightly/b", result: .updated(entry(686, name: "new\nline"))),
        .intent(sequence: 3, action: .delete, address: "nightly/c", id: 687, fingerprint: nil, at: "2026-11-29T07:00:02Z"),
        .outcome(sequence: 3, address: "nightly/c", result: .deleted),
        .intent(sequence: 4, action: .move, address: "nightly/d", id: 688, fingerprint: nil, at: "2026-11-29T07:00:03Z"),
        .outcome(sequence: 4, address: "nightly/d", result: .moved(to: "daily/d")),
        .intent(sequence: 5, action: .create, address: "nightly/e", id: nil, fingerprint: "sha256:05", at: "2026-11-29T07:00:04Z"),
        .outcome(sequence: 5, address: "nightly/e", result: .failed("500 Internal Server Error: \"oops\"")),
        .intent(sequence: 6, action: .delete, address: "nightly/f", id: 689, fingerprint: nil, at: "2026-11-29T07:00:05Z"),
        .outcome(sequence: 6, address: "nightly/f", result: .deleted),
        .intent(sequence: 7, action: .import, address: "nightly/g", id: 690, fingerprint: nil, at: "2026-11-29T07:00:06Z"),
    ]

    @Test func appendedRecordsReadBack() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            #expect(try backend.readJournal() == [])
            let journal = try backend.openJournal()
            #expect(journal.existingHighestSequence == 0)
            for record in Self.records { try journal.append(record) }
            try journal.sync()
            try journal.close()
            try journal.close()
            #expect(try backend.readJournal() == Self.records)
            let attributes = try FileManager.default.attributesOfItem(atPath: backend.journalPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            // One record per line.
            let text = String(decoding: bytes(of: backend.journalPath) ?? [], as: UTF8.self)
            #expect(text.split(separator: "\n").count == Self.records.count)
            #expect(text.hasSuffix("\n"))

            #expect(stateError { try journal.append(Self.records[0]) }?.isJournalClosed == true)
            try backend.removeJournal()
            try backend.removeJournal()
            #expect(!FileManager.default.fileExists(atPath: backend.journalPath))
        }
    }

    @Test func recordsAreVisibleWithoutSyncOrClose() throws {
        // What a kill -9 leaves: the process is gone before any fsync or close, but every write(2) reached the
        // kernel, so a reader (the next run) sees every record.
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json", journalSyncInterval: .seconds(3600))
            let journal = try backend.openJournal()
            for record in Self.records { try journal.append(record) }
            #expect(try LocalStateBackend(path: backend.path).readJournal() == Self.records)
            try journal.close()
        }
    }

    @Test func aTornLastLineIsIgnoredAndCutBeforeAppendingAgain() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let journal = try backend.openJournal()
            for record in Self.records.prefix(4) { try journal.append(record) }
            try journal.close()
            try append(#"{"record":"intent","sequence":5,"action":"cre"#, to: backend.journalPath)
            #expect(try backend.readJournal() == Array(Self.records.prefix(4)))

            let reopened = try backend.openJournal()
            #expect(reopened.existingHighestSequence == 2)
            for record in Self.records[4...] { try reopened.append(record) }
            try reopened.close()
            #expect(try backend.readJournal() == Self.records)
        }
    }

    @Test func aMalformedLineBeforeTheLastIsAnError() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let journal = try backend.openJournal()
            try journal.append(Self.records[0])
            try journal.close()
            try append("{\"record\":\"intent\",\"seq\n", to: backend.journalPath)
            try append(String(decoding: Self.records[1].lineForTest, as: UTF8.self), to: backend.journalPath)
            let error = stateError { try backend.readJournal() }
            #expect(error?.isJournalCorrupt == true)
            #expect(error?.message.hasPrefix("\(backend.journalPath), line 2, is not a journal record (column 20: unterminated string)") == true, "\(String(describing: error))")
            #expect(stateError { try backend.openJournal() }?.isJournalCorrupt == true)

            try write(#"{"record":"intent","sequence":1,"action":"explode","address":"a","at":"t"}"# + "\n", to: backend.journalPath)
            #expect(stateError { try backend.readJournal() }?.message.contains(#"line 1, is not a journal record (action: unknown action "explode")"#) == true)
        }
    }

    @Test func reopeningAJournalAppendsAndReportsTheHighestSequence() throws {
        try withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let first = try backend.openJournal()
            for record in Self.records.prefix(8) { try first.append(record) }
            try first.close()
            let second = try backend.openJournal()
            #expect(second.existingHighestSequence == 4)
            for record in Self.records.dropFirst(8) { try second.append(record) }
            try second.close()
            #expect(try backend.readJournal() == Self.records)
        }
    }

    @Test func concurrentAppendsAllLandOnTheirOwnLines() async throws {
        try await withTemporaryDirectory { directory in
            let backend = LocalStateBackend(path: directory + "/batchctl.state.json")
            let journal = try backend.openJournal()
            let tasks = 16
            let perTask = 400
            try await withThrowingTaskGroup(of: Void.self) { group in
                for t in 0..<tasks {
                    group.addTask {
                        for i in 0..<perTask {
                            let sequence = t * perTask + i + 1
                            let address = "set-\(t)/task-\(i)-" + String(repeating: "x", count: i % 300)
                            try journal.append(.intent(sequence: sequence, action: .create, address: address, id: nil,
                                                       fingerprint: "sha256:\(sequence)", at: "2026-11-29T07:00:00Z"))
                            try journal.append(.outcome(sequence: sequence, address: address, result: .created(entry(Int32(sequence)))))
                        }
                    }
                }
                try await group.waitForAll()
            }
            try journal.close()
            let records = try backend.readJournal()
            #expect(records.count == 2 * tasks * perTask)
            var state = State.new(endpoint: "e")
            #expect(JournalReplay.apply(records, to: &state).isEmpty)
            #expect(state.tasks.count == tasks * perTask)
            #expect(Set(state.tasks.values.map(\.id)) == Set((1...Int32(tasks * perTask)).map { $0 }))
        }
    }
}

extension JournalRecord {
    /// A record as the journal writes it, for planting lines by hand (through a throwaway journal).
    var lineForTest: [UInt8] {
        (try? withTemporaryDirectory { directory -> [UInt8] in
            let backend = LocalStateBackend(path: directory + "/s")
            let journal = try backend.openJournal()
            try journal.append(self)
            try journal.close()
            return bytes(of: backend.journalPath) ?? []
        }) ?? []
    }
}
