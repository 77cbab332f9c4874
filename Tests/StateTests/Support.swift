import Foundation
import JSON
import State
import Testing

/// Runs `body` in a fresh directory under the system's temporary directory and removes it afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func makeTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("batchctl-state-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

func entry(_ id: Int32, name: String = "Import", parameters: JSONValue = ["file": "a.csv"]) -> StateEntry {
    StateEntry(id: id, fingerprint: "sha256:\(String(repeating: "ab", count: 32))",
               // Keys in sorted order, as they come back from the file (see `roundTripSortsAppliedKeys`).
               applied: ["Context": "nightly", "Name": .string(name), "ParameterObject": parameters],
               appliedAt: "2026-11-29T07:00:00Z", source: "tasks/nightly.yaml:12:5")
}

func sampleState(endpoint: String = "https://host/crm/api/v1") -> State {
    var state = State.new(endpoint: endpoint)
    state.tasks["nightly/import-eu-01"] = entry(685)
    state.tasks["nightly/import-eu-02"] = entry(686, name: "Ünïcode \"quoted\"\n", parameters: ["rows": [1, 2.5, true, .null]])
    state.tasks["adhoc/z"] = entry(-1, parameters: [:])
    return state
}

func bytes(of path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func append(_ text: String, to path: String) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}

/// The error a call threw, for asserting on its kind and message.
/// (Untyped, because closures nested in test closures do not infer a typed throw.)
func stateError<T>(_ body: () throws -> T) -> StateError? {
    do {
        _ = try body()
        return nil
    } catch let error as StateError {
        return error
    } catch {
        Issue.record("expected a StateError, got \(error)")
        return nil
    }
}
