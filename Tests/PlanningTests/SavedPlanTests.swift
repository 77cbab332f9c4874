import BatchTask
import DesiredTasks
import JSON
import State
import Testing
@testable import Planning

/// `plan --out FILE` read back by `apply FILE`: exactly as written, or refused.
@Suite struct SavedPlanTests: PlanningFixtures {
    var desired: [DesiredTask] { [task("a", description: "new"), task("b")] }
    var managed: State { state([task("a", description: "old"), task("c")]) }

    func saved() throws -> Plan {
        let live = live([task("a", description: "old")], in: managed)
        var result = try plan(desired, state: managed, live: live)
        result.manifestDigest = Planner.digest(desired)
        return result
    }

    func bytes(_ plan: Plan) -> [UInt8] { PlanDocument.json(plan, saved: true).serializedBytes(pretty: true) }

    @Test func aSavedPlanReadsBackAsItWasWritten() throws {
        let original = try saved()
        let read = try SavedPlan.read(bytes(original), path: "p.json")
        #expect(read.actions == original.actions)
        #expect(read.orphans == original.orphans && read.orphans == [Orphan(address: "s/c", id: 101)])
        #expect(read.drift == original.drift && read.drift.map(\.kind) == [.missing])
        #expect(read.stateLineage == original.stateLineage && read.stateSerial == original.stateSerial)
        #expect(read.manifestDigest == original.manifestDigest && read.endpoint == "http://x" && read.refreshed)
        try SavedPlan.verify(read, path: "p.json", state: managed, desired: desired, endpoint: "http://x")
    }

    func refusal(_ plan: Plan, state: State?, desired: [DesiredTask], endpoint: String = "http://x") -> PlanFileError? {
        do {
            try SavedPlan.verify(plan, path: "p.json", state: state, desired: desired, endpoint: endpoint)
            return nil
        } catch {
            return error
        }
    }

    @Test func aPlanForAnotherEndpointIsRefused() throws {
        let error = refusal(try saved(), state: managed, desired: desired, endpoint: "http://y")
        #expect(error?.kind == .wrongEndpoint)
        #expect(error?.message == "p.json was made for endpoint http://x, not http://y")
    }

    @Test func aPlanWhoseStateMovedOnIsRefused() throws {
        let plan = try saved()
        var written = managed
        written.serial += 1
        let error = refusal(plan, state: written, desired: desired)
        #expect(error?.kind == .staleState)
        #expect(error?.message == "p.json is stale: the state changed since the plan was made (serial \(managed.serial) then, \(written.serial) now); make a new plan")
        var replaced = managed
        replaced.lineage = "another"
        #expect(refusal(plan, state: replaced, desired: desired)?.kind == .staleState)
        #expect(refusal(plan, state: nil, desired: desired)?.message.hasSuffix("(serial \(managed.serial) then, none now); make a new plan") == true)
    }

    /// `saved()` as `plan --out` writes it: with the digests of the sets it names.
    func written() throws -> Plan {
        try SavedPlan.read(SavedPlan.encode(try saved(), desired: desired, state: managed), path: "p.json")
    }

    @Test func aWrittenPlanIsStaleOnlyWhenASetItNamesChanged() throws {
        let plan = try written()
        #expect(plan.namedSets == ["s"])
        #expect(plan.stateSets?.keys.sorted() == ["s"])
        #expect(plan.stateSets == SavedPlan.setDigests(managed, sets: ["s"]))
        // Another set's apply moved the serial on: the plan is as good as it was.
        var other = managed
        other.tasks["t/x"] = entry(id: 900, task("x"))
        other.scheduled["t/y"] = "2026-11-29T07:00:00Z"
        other.serial += 3
        #expect(refusal(plan, state: other, desired: desired) == nil)
        // Its own set changed: an entry, a schedule mark or a pending run.
        var changed = managed
        changed.tasks["s/c"]?.appliedAt = "2026-11-30T07:00:00Z"
        let error = refusal(plan, state: changed, desired: desired)
        #expect(error?.kind == .staleState)
        #expect(error?.message == "p.json is stale: the state's set s changed since the plan was made; make a new plan")
        var scheduled = managed
        scheduled.scheduled["s/z"] = "2026-11-29T07:00:00Z"
        #expect(refusal(plan, state: scheduled, desired: desired)?.kind == .staleState)
        var pending = managed
        pending.pending["s/c"] = [PendingRun(slot: nil, waitsFor: ["s/a"], since: "2026-11-29T07:00:00Z", start: .create)]
        #expect(refusal(plan, state: pending, desired: desired)?.kind == .staleState)
        // A plan made before there was a state holds while its sets are empty in the state another set made.
        let fresh = Plan(actions: [PlannedAction(address: "s/a", kind: .create)], orphans: [], drift: [], stateLineage: nil,
                         stateSerial: nil, endpoint: "http://x", refreshed: false)
        let first = try SavedPlan.read(SavedPlan.encode(fresh, desired: desired, state: nil), path: "p.json")
        var made = State(lineage: "new-lineage", serial: 1, endpoint: "http://x")
        made.tasks["t/x"] = entry(id: 900, task("x"))
        #expect(refusal(first, state: made, desired: desired) == nil)
        made.tasks["s/a"] = entry(id: 901, task("a"))
        #expect(refusal(first, state: made, desired: desired)?.message == "p.json is stale: the state's set s changed since the plan was made; make a new plan")
        // Another state altogether is refused as before, by its serial.
        var replaced = other
        replaced.lineage = "another"
        #expect(refusal(plan, state: replaced, desired: desired)?.message.contains("(serial") == true)
    }

    @Test func aTaskImportedMeanwhileByAnotherSetMakesAPlanThatImportsItStale() throws {
        var plan = try written()
        plan.actions.append(PlannedAction(address: "s/i", kind: .import, id: 555))
        #expect(refusal(plan, state: managed, desired: desired) == nil)
        var taken = managed
        taken.tasks["t/mine"] = entry(id: 555, task("mine"))
        let error = refusal(plan, state: taken, desired: desired)
        #expect(error?.kind == .staleState)
        #expect(error?.message == "p.json is stale: task 555, which it imports to s/i, is now managed at t/mine; make a new plan")
    }

    @Test func aPlanWhoseIdsWereEditedIsRefused() throws {
        let original = try saved()
        let update = try #require(original.actions.firstIndex { $0.kind == .update && $0.address == "s/a" })
        var edited = original
        edited.actions[update].id = 4242
        let error = refusal(edited, state: managed, desired: desired)
        #expect(error?.kind == .foreignTask)
        let held = try #require(managed.tasks["s/a"]?.id)
        #expect(error?.message == "p.json: actions[\(update)] (update s/a) names task 4242, but the state it was made against holds task \(held) there: the plan file was edited; make a new plan")
        // A create that names an id is as foreign as an update that names another.
        var create = original
        let made = try #require(create.actions.firstIndex { $0.kind == .create })
        create.actions[made].id = held
        #expect(refusal(create, state: managed, desired: desired)?.kind == .foreignTask)
        #expect(refusal(original, state: managed, desired: desired) == nil)
    }

    @Test func aPlanWhoseManifestsChangedIsRefused() throws {
        let error = refusal(try saved(), state: managed, desired: [task("a", description: "newer"), task("b")])
        #expect(error?.kind == .staleManifests)
        #expect(error?.message == "p.json is stale: the manifests changed since the plan was made; make a new plan")
    }

    func readError(_ text: String) -> PlanFileError? {
        do {
            _ = try SavedPlan.read(Array(text.utf8), path: "p.json")
            return nil
        } catch {
            return error
        }
    }

    /// The saved plan's text with one piece replaced, so exactly one member is wrong.
    func edited(_ replace: String, with replacement: String) throws -> String {
        let text = String(decoding: bytes(try saved()), as: UTF8.self)
        #expect(text.contains(replace), "the fixture lacks \(replace)")
        return text.replacingOccurrences(of: replace, with: replacement)
    }

    @Test func aMalformedMemberIsNamedByItsPath() throws {
        let field = readError(try edited(#""field": "Description""#, with: #""field": "Descripton""#))
        #expect(field?.message == "p.json: actions[0].changes[0].field: unknown field 'Descripton'")
        #expect(field?.kind == .malformed)
        let orphan = readError(try edited(#""id": 101"#, with: #""id": "101""#))
        #expect(orphan?.message == "p.json: orphans[0].id: expected an integer, got a string")
        let kind = readError(try edited(#""action": "create""#, with: #""action": "crate""#))
        #expect(kind?.message == "p.json: actions[1].action: unknown action 'crate'")
        let missing = readError(try edited(#""address": "s/b","#, with: ""))
        #expect(missing?.message == "p.json: actions[1]: member \"address\" is missing")
        let changes = readError(try edited(#""changes": ["#, with: #""changes": 1, "x": ["#))
        #expect(changes?.message == "p.json: actions[0].changes: expected an array, got a number")
    }

    @Test func whatIsNotASavedPlanIsRefused() throws {
        #expect(readError("{")?.message.hasPrefix("p.json is not a plan file: line 1") == true)
        #expect(readError(#"{"formatVersion": 2}"#)?.message == "p.json: not a plan file of format version 1")
        let unsaved = PlanDocument.json(try saved()).serialized()
        #expect(readError(unsaved)?.message == "p.json: not a saved plan: it lacks manifestDigest, endpoint or actions (save plans with plan --out FILE)")
    }
}
