import Foundation
import JSON
import Testing
@testable import State

/// The state file's pending runs: written sorted only when there are any, read back the same, a bad one refused.
@Suite struct PendingFileTests {
    @Test func pendingRunsAreWrittenSortedAndReadBackTheSame() throws {
        var state = State(lineage: "l", serial: 3, endpoint: "e")
        state.pending["dag/b"] = [PendingRun(slot: "2030-01-01T01:00:00Z", waitsFor: ["dag/a"], since: "2030-01-01T01:01:00Z", start: .run),
                                  PendingRun(slot: nil, waitsFor: ["dag/a", "dag/z"], since: "2030-01-01T02:00:00Z", start: .create)]
        let text = String(decoding: state.encoded(), as: UTF8.self)
        #expect(text.contains(#""pending": {"#) && text.contains(#""since":"2030-01-01T01:01:00Z""#), "\(text)")
        let back = try State.decode(state.encoded(), path: "s")
        #expect(back.pending == state.pending)
        #expect(!String(decoding: State(lineage: "l", serial: 1, endpoint: "e").encoded(), as: UTF8.self).contains("pending"))
    }

    @Test func aBadPendingRunIsRefusedNamingItsPath() {
        let text = #"{"formatVersion": 2, "lineage": "l", "serial": 1, "endpoint": "e", "tasks": {}, "pending": {"dag/b": [{"since": "t", "start": "later", "waitsFor": []}]}}"#
        #expect {
            try State.decode(Array(text.utf8), path: "s")
        } throws: { error in
            "\(error)".contains(#"pending."dag/b".0.start"#)
        }
    }
}
