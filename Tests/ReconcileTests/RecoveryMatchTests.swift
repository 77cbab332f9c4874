import BatchTask
import Foundation
import JSON
import Planning
import Reconcile
import Schedule
import Testing

/// A lost create is recognised on the server whatever api.md v3 says the server rewrites, and only then.
@Suite struct RecoveryMatchTests {
    private let intent = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    private var sent: BatchTaskInfo {
        var info = BatchTaskInfo()
        info.name = "Import eu 1"
        info.description = "Shard 1"
        info.cancellationBehaviour = "CanCancel"
        info.parameterObject = .object(["region": "eu", "shard": "1"])
        return info
    }

    /// What a real server holds after the create: its link to the blob, its own key order, its Created in UTC
    /// without an offset, the job under way.
    private func held(id: Int32, created: String = "2027-01-15T08:00:01.1234567") -> BatchTaskInfo {
        var info = sent
        info.id = id
        info.detailsTable = 38
        info.detailsRecord = 12
        info.parameterObject = .object(["shard": "1", "region": "eu"])
        info.created = created
        info.state = .started
        info.lastStarted = "2027-01-15T03:00:02"
        return info
    }

    private let newYork = FieldModel(wallTimeZone: SuperOfficeTimeZone("US-NY") ?? .utc)

    @Test func theServersRewritesStillMatch() {
        #expect(Recovery.match(sent, among: [held(id: 5)], since: intent, owned: [], fields: newYork) == 5)
        // With the offset asked for, too.
        #expect(Recovery.match(sent, among: [held(id: 6, created: "2027-01-15T08:00:01Z")], since: intent, owned: [], fields: newYork) == 6)
    }

    @Test func aDifferentTaskOfTheSameNameDoesNot() {
        var other = held(id: 5)
        other.parameterObject = .object(["shard": "2", "region": "eu"])
        #expect(Recovery.match(sent, among: [other], since: intent, owned: [], fields: newYork) == nil)
        var described = held(id: 6)
        described.description = "Shard 2"
        #expect(Recovery.match(sent, among: [described], since: intent, owned: [], fields: newYork) == nil)
    }

    @Test func anOwnedOrOlderTaskIsNotAdopted() {
        #expect(Recovery.match(sent, among: [held(id: 5)], since: intent, owned: [5], fields: newYork) == nil)
        // Created an hour before the intent (the server's Created is UTC, whatever the zone asked for).
        #expect(Recovery.match(sent, among: [held(id: 5, created: "2027-01-15T07:00:00")], since: intent, owned: [], fields: newYork) == nil)
    }

    @Test func aTaskThatSendsItsOwnCreatedIsMatchedByItsFields() {
        var dated = sent
        dated.created = "2026-01-01T09:00:00+01:00"
        var server = held(id: 7, created: "2026-01-01T08:00:00")
        #expect(Recovery.match(dated, among: [server], since: intent, owned: [], fields: newYork) == 7)
        server.created = "2026-01-01T09:00:00"
        #expect(Recovery.match(dated, among: [server], since: intent, owned: [], fields: newYork) == nil)
    }

    @Test func theLowestOfSeveralMatches() {
        #expect(Recovery.match(sent, among: [held(id: 9), held(id: 8)], since: intent, owned: [], fields: newYork) == 8)
    }
}
