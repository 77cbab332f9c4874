import BatchTask
import JSON
import Testing
@testable import Planning

/// Secrets in the state: keyed markers, the unkeyed ones of older states still matched, and keyed fingerprints.
@Suite struct SecretHasherTests: PlanningFixtures {
    let one = SecretHasher(key: [UInt8](repeating: 1, count: 32))
    let other = SecretHasher(key: [UInt8](repeating: 2, count: 32))

    @Test func aKeyedMarkerDependsOnTheKeyAndMatchesOnlyItsValue() {
        let marker = one.marker(for: "hunter2")
        #expect(marker.stringValue?.hasPrefix("(sensitive) hmac-sha256:") == true)
        #expect(marker != other.marker(for: "hunter2"), "another state's key gives another hash")
        #expect(marker != Fingerprint.sensitiveMarker(for: "hunter2"), "not the unkeyed hash")
        #expect(one.matches("hunter2", marker))
        #expect(!one.matches("hunter3", marker))
        #expect(!other.matches("hunter2", marker))
        #expect(!SecretHasher.unkeyed.matches("hunter2", marker), "a keyed marker never matches without its key")
        // Key order does not matter: values are hashed in canonical form.
        #expect(one.marker(for: ["b": 1, "a": 2]) == one.marker(for: ["a": 2, "b": 1]))
    }

    @Test func anUnkeyedMarkerOfAnOlderStateStillMatches() {
        let old = Fingerprint.sensitiveMarker(for: "hunter2")
        #expect(SecretHasher.isUnkeyed(old))
        #expect(one.matches("hunter2", old))
        #expect(!one.matches("hunter3", old))
        #expect(!one.matches("hunter2", "hunter2"), "a value in clear is no marker")
    }

    @Test func aTaskWithASecretIsRecordedWithKeyedMarkersAndFingerprint() throws {
        let task = task("a", secret: "hunter2")
        let record = task.record(one)
        let text = String(decoding: record.text, as: UTF8.self)
        #expect(text.contains("(sensitive) hmac-sha256:") && !text.contains("hunter2"))
        #expect(record.fingerprint.hasPrefix("hmac-sha256:"))
        #expect(record.fingerprint != Fingerprint.of(task: task.info))
        #expect(!record.isRequestBody)
        // A task without a secret is fingerprinted as before: nothing in it needs a key.
        #expect(self.task("b").record(one).fingerprint == Fingerprint.of(task: self.task("b").info))
    }

    @Test func planningWithTheKeySeesNoChangeForAnOlderStatesMarkerAndAChangeForANewSecret() throws {
        let before = [task("a", secret: "hunter2")]
        var state = state(before)  // recorded unkeyed, as older states were
        #expect(try !plan(before, state: state) { $0.secrets = one }.hasChanges)
        state.tasks["s/a"]?.applied = before[0].appliedRecord(one)
        #expect(try !plan(before, state: state) { $0.secrets = one }.hasChanges)
        let changed = try plan([task("a", secret: "hunter3")], state: state) { $0.secrets = one }
        #expect(changed.actions.map(\.kind) == [.update])
        #expect(changed.actions.first?.changes.first?.after == "(sensitive)")
        let withOtherKey = try plan(before, state: state) { $0.secrets = other }
        #expect(withOtherKey.hasChanges, "a marker made with another key does not match")
    }
}
