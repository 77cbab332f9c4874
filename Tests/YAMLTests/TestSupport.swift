import Diagnostics
import Foundation
import YAML

/// Loads `text` as the file `t.yaml` and returns its documents.
func documents(
    _ text: String, file: String = "t.yaml", options: LoaderOptions = LoaderOptions()
) throws(Diagnostic) -> [Node] {
    try Loader(options: options).load(text: text, file: file).documents
}

/// The single document of `text`.
func root(_ text: String) throws -> Node {
    let docs = try documents(text)
    guard docs.count == 1, let first = docs.first else { throw TestFailure("expected one document, got \(docs.count)") }
    return first
}

/// The rendered diagnostic `text` fails with, or nil when it loads.
func failure(_ text: String, file: String = "t.yaml", options: LoaderOptions = LoaderOptions()) -> String? {
    do {
        _ = try documents(text, file: file, options: options)
        return nil
    } catch {
        return error.description
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Node {
    /// Keys of a mapping, in order, as written.
    var keys: [String] { mappingPairs?.compactMap { $0.key.scalar?.text } ?? [] }
    var position: String { "\(location.line):\(location.column)" }
}

/// A temporary directory for include tests, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("yaml-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` at `relative` (creating folders) and returns the full path.
    @discardableResult
    func write(_ relative: String, _ contents: String) throws -> String {
        try write(relative, bytes: Array(contents.utf8))
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
