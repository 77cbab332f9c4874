import APIClient
import BatchTask
import DesiredTasks
import Foundation
import JSON
import Planning
import State

/// Finds out what a create with a lost answer, or a run killed mid-request, really did on the server.
public enum Recovery {
    /// How far a server's clock may be behind ours when telling whether a task was created after an intent.
    static let clockSlack: TimeInterval = 300

    /// The id of a task the server made for `task` at or after `since` that no state entry owns, or nil.
    ///
    /// The candidates come from `GetAllBatchTaskInfosByName`, the one documented call that returns whole
    /// BatchTaskInfo values for system and user tasks alike (api.md); nothing undocumented stands in when it
    /// fails, so a lookup that cannot be made throws, and the create stays unresolved rather than sent again.
    /// A match holds every field that was sent as `FieldModel` compares them: State aside (it moves on as the job
    /// runs), DetailsTable and DetailsRecord aside beside a ParameterObject (the server links its blob there), dates
    /// as instants, ParameterObject whatever its key order (api.md v3, "What the server changes"). When
    /// `sameNameSuffices`, an unowned task of the same Name created after the intent is adopted too: the manifests
    /// changed since the intent, and the next plan brings that task in line.
    public static func findCreated(_ task: DesiredTask, since: Date?, owned: Set<Int32>, client: BatchTaskClient,
                                   sameNameSuffices: Bool = false) async throws(ClientError) -> Int32? {
        guard let name = task.info.name else {
            throw .outcomeUnknown("\(task.address) has no Name, and a task is looked up by its Name: check the server for it by hand, then `batchctl import` it or let apply create it again")
        }
        let candidates = try await client.tasks(named: name)
        return match(task.info, among: candidates, since: since, owned: owned, fields: FieldModel(wallTimeZone: client.timeZone.zone),
                     sameNameSuffices: sameNameSuffices)
    }

    /// The lowest id among `candidates` that `findCreated` would adopt for `sent`.
    public static func match(_ sent: BatchTaskInfo, among candidates: [BatchTaskInfo], since: Date?, owned: Set<Int32>,
                             fields: FieldModel, sameNameSuffices: Bool = false) -> Int32? {
        // Created is written in UTC by the server, with or without an offset (api.md v3). A task that sends its own
        // Created keeps it, so only the fields tell; otherwise the server's creation time must follow the intent.
        let earliest = sent.created != nil ? nil : since.map { Int64(($0.timeIntervalSince1970 - clockSlack) * 10_000_000) }
        var matches: [Int32] = []
        for candidate in candidates {
            guard let id = candidate.id, !owned.contains(id) else { continue }
            if let earliest, let created = candidate.created.flatMap({ fields.instant(.created, $0) }), created < earliest {
                continue
            }
            if fields.matches(sent, found: candidate) || (sameNameSuffices && candidate.name == sent.name) { matches.append(id) }
        }
        return matches.min()
    }

    /// Resolves the intents a killed run left without outcomes, before anything new is sent. Returns what the user
    /// should hear of it.
    public static func resolve(_ intents: [UnresolvedIntent], desired: [String: DesiredTask], recorder: StateRecorder,
                               client: BatchTaskClient) async throws -> [SessionNotice] {
        var notes: [SessionNotice] = []
        for intent in intents {
            switch intent.action {
            case .create:
                if let note = try await resolveCreate(intent, desired: desired, recorder: recorder, client: client) { notes.append(note) }
            case .run:
                if let note = try await resolveRun(intent, desired: desired, recorder: recorder, client: client) { notes.append(note) }
            case .deleteRun:
                guard let id = intent.id, await recorder.entry(intent.address)?.history.contains(where: { $0.id == id }) == true,
                      try await client.get(id) == nil else { continue }
                let sequence = try await recorder.intent(.deleteRun, address: intent.address, id: id, fingerprint: nil)
                try await recorder.removedRuns([sequence], address: intent.address, ids: [id])
                notes.append(SessionNotice(.note, .requestResolved,
                    "recovered \(intent.address): the interrupted deletion of old run \(id) had happened"))
            case .delete:
                guard let id = intent.id else { continue }
                if try await client.get(id) == nil, await recorder.entry(intent.address)?.id == id {
                    let sequence = try await recorder.intent(.delete, address: intent.address, id: id, fingerprint: nil)
                    try await recorder.outcome(sequence, address: intent.address, .deleted)
                    notes.append(SessionNotice(.note, .requestResolved,
                        "recovered \(intent.address): the interrupted delete of task \(id) had happened"))
                }
            default:
                // Updates are idempotent and moves are journal-only: the next plan simply does them again.
                continue
            }
        }
        return notes
    }

    /// A create with a lost answer: the task the server made for it, adopted with the intent's slot and attempt, so
    /// that the same record removes the pending run it started and the schedule counts from it.
    private static func resolveCreate(_ intent: UnresolvedIntent, desired: [String: DesiredTask], recorder: StateRecorder,
                                      client: BatchTaskClient) async throws -> SessionNotice? {
        guard let unresolved = desired[intent.address] else {
            return SessionNotice(.note, .requestUnchecked,
                "an interrupted create of \(intent.address) cannot be checked: that address is no longer in the manifests")
        }
        if await recorder.entry(intent.address) != nil { return nil }
        let start = RunStartContext(recovering: intent, of: unresolved, entry: nil)
        let task = (try? start.resolve(unresolved)) ?? unresolved
        let unchanged = intent.fingerprint == nil || intent.fingerprint == task.record(recorder.secrets).fingerprint
        let owned = await recorder.ownedIds()
        guard let id = try await findCreated(task, since: Timestamp.date(intent.at), owned: owned, client: client,
                                             sameNameSuffices: !unchanged) else { return nil }
        let sequence = try await recorder.intent(.create, address: intent.address, id: id, fingerprint: intent.fingerprint,
                                                 slot: intent.slot, attempt: intent.attempt)
        var entry = start.recorded(task.stateEntry(id: id, secrets: recorder.secrets))
        entry.slot = intent.slot
        entry.attempt = intent.attempt
        try await recorder.outcome(sequence, address: intent.address, .created(entry))
        return SessionNotice(.note, .requestResolved,
            "recovered \(intent.address): the interrupted create had made task \(id); it is in the state now")
    }

    /// A run killed mid-request: the task the server made for it becomes the current run, as the run its intent names.
    private static func resolveRun(_ intent: UnresolvedIntent, desired: [String: DesiredTask], recorder: StateRecorder,
                                   client: BatchTaskClient) async throws -> SessionNotice? {
        guard let unresolved = desired[intent.address] else {
            return SessionNotice(.note, .requestUnchecked,
                "an interrupted run of \(intent.address) cannot be checked: that address is no longer in the manifests")
        }
        // The run's outcome was recorded when the state's current run is no longer the one it followed.
        guard let current = await recorder.entry(intent.address), current.id == intent.id else { return nil }
        let start = RunStartContext(recovering: intent, of: unresolved, entry: current)
        let task = (try? start.resolve(unresolved)) ?? unresolved
        let unchanged = intent.fingerprint == nil || intent.fingerprint == task.record(recorder.secrets).fingerprint
        let owned = await recorder.ownedIds()
        guard let id = try await findCreated(task, since: Timestamp.date(intent.at), owned: owned, client: client,
                                             sameNameSuffices: !unchanged) else { return nil }
        var entry = start.recorded(task.stateEntry(id: id, secrets: recorder.secrets))
        if intent.slot != nil || intent.attempt != 1 {
            // The intent says which run it was: so the same record removes the pending run it started.
            entry.slot = intent.slot
            entry.attempt = intent.attempt
        } else if current.outcome?.isFailure == true, let due = current.retryAt, due <= intent.at {
            // A journal that does not say: a run started after a failure whose retry was due is taken as that retry,
            // so it is counted.
            entry.attempt = current.attempt + 1
            entry.slot = current.slot
        }
        let sequence = try await recorder.intent(.run, address: intent.address, id: intent.id, fingerprint: intent.fingerprint,
                                                 slot: entry.slot, attempt: entry.attempt)
        try await recorder.ran(sequence, address: intent.address, entry)
        return SessionNotice(.note, .requestResolved,
            "recovered \(intent.address): the interrupted run had started task \(id); it is the current run now")
    }
}
