import APIClient
import BatchTask
import DesiredTasks
import Planning
import State

/// Reads the tasks `import` entries name from the API, for the planner: by id, or by an exact Name that exactly one
/// task has. An entry whose address the state already has (or gets from a move) is done and costs no request.
public enum ImportResolver {
    /// The entries still to import, resolved; a problem with any of them (an id the API lacks, a Name matching no task
    /// or several, a task another address owns) is a `PlanningError` at the entry's position.
    public static func resolve(_ imports: [ImportEntry], moves: [Move] = [], state: State?, client: BatchTaskClient,
                               concurrency: Int) async throws -> [ResolvedImport] {
        let pending = outstanding(imports, moves: moves, state: state)
        guard !pending.isEmpty else { return [] }
        var byId: [Int32: BatchTaskInfo] = [:]
        let ids = pending.compactMap { if case .id(let id) = $0.source { id } else { nil } }
        if !ids.isEmpty { byId = try await client.getMany(ids, concurrency: concurrency) }
        var byName: [String: [BatchTaskInfo]] = [:]
        for entry in pending {
            guard case .name(let name) = entry.source, byName[name] == nil else { continue }
            byName[name] = try await client.tasks(named: name).filter { $0.name == name && $0.id != nil }
        }
        var owners = State.owners(state?.tasks ?? [:])
        var problems: [PlanningError.Problem] = []
        var resolved: [ResolvedImport] = []
        for entry in pending {
            do throws(PlanningError) {
                let (id, live) = try task(of: entry, byId: byId, byName: byName)
                if let owner = owners[id] {
                    throw problem("cannot import task \(id) to \(entry.address): it is already managed as \(owner)", at: entry)
                }
                owners[id] = entry.address
                resolved.append(ResolvedImport(address: entry.address, id: id, live: live, location: entry.location))
            } catch {
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw PlanningError(problems: problems) }
        return resolved
    }

    private static func problem(_ message: String, at entry: ImportEntry) -> PlanningError {
        PlanningError(problems: [.init(message, at: entry.location)])
    }

    /// The entries whose address has no state entry, even after the moves.
    static func outstanding(_ imports: [ImportEntry], moves: [Move], state: State?) -> [ImportEntry] {
        guard !imports.isEmpty else { return [] }
        let entries = state?.tasks ?? [:]
        let movedInto = Set(moves.filter { entries[$0.from] != nil }.map(\.to))
        return imports.filter { entries[$0.address] == nil && !movedInto.contains($0.address) }
    }

    private static func task(of entry: ImportEntry, byId: [Int32: BatchTaskInfo],
                             byName: [String: [BatchTaskInfo]]) throws(PlanningError) -> (Int32, BatchTaskInfo) {
        switch entry.source {
        case .id(let id):
            guard let live = byId[id] else {
                throw problem("cannot import task \(id) to \(entry.address): the API has no task \(id)", at: entry)
            }
            return (id, live)
        case .name(let name):
            let matches = (byName[name] ?? []).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
            guard let only = matches.first, let id = only.id else {
                throw problem("cannot import \"\(name)\" to \(entry.address): no task has that Name (it is matched exactly)", at: entry)
            }
            guard matches.count == 1 else {
                let ids = matches.compactMap(\.id).map(String.init)
                let list = ids.dropLast().joined(separator: ", ") + " and " + (ids.last ?? "")
                throw problem("cannot import \"\(name)\" to \(entry.address): the Name matches tasks \(list); import by id instead", at: entry)
            }
            return (id, only)
        }
    }
}
