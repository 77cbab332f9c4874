import ArgumentParser
import Foundation
import Manifest

/// Completes task addresses (`--target`, `--exclude`, `explain ADDR`, `import ADDR`) from the manifests the command
/// line being typed would read: its `-C`, `-f` and `--env` are honoured, and a failure completes nothing.
enum AddressCompletion {
    static let kind = CompletionKind.custom { words, _, _ in addresses(words: words) }

    static func addresses(words: [String]) -> [String] {
        var directory: String?
        var files: [String] = []
        var environment: String?
        var index = 0
        func value(after word: String, named names: [String]) -> String? {
            for name in names where name.hasPrefix("--") && word.hasPrefix(name + "=") { return String(word.dropFirst(name.count + 1)) }
            guard names.contains(word), index + 1 < words.count else { return nil }
            index += 1
            return words[index]
        }
        while index < words.count {
            let word = words[index]
            if let given = value(after: word, named: ["-C", "--chdir"]) {
                directory = given
            } else if let given = value(after: word, named: ["-f", "--file"]) {
                files.append(given)
            } else if let given = value(after: word, named: ["--env"]) {
                environment = given
            }
            index += 1
        }
        if let directory, !FileManager.default.changeCurrentDirectoryPath(directory) { return [] }
        guard let loaded = try? Project.load() else { return [] }
        // Without --env, BATCHCTL_ENV; a project that insists on an environment completes with its first one, since
        // addresses rarely differ between environments and completing nothing helps no one.
        let chosen = environment ?? ProcessInfo.processInfo.environment["BATCHCTL_ENV"].flatMap { $0.isEmpty ? nil : $0 }
        guard let project = try? loaded.choosing(environment: chosen ?? loaded.environments.first?.name) else { return [] }
        var options = ManifestOptions(project: project)
        if !files.isEmpty { options.paths = files }
        options.environment = ProcessInfo.processInfo.environment
        return ManifestEngine.expand(options).tasks.map(\.address)
    }
}
