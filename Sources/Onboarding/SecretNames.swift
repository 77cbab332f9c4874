import JSON

/// ParameterObject keys whose names say they hold a secret (`dbPassword`, `apiToken`): the server returns them in
/// clear, so a generated file holds them in clear too, and its reader is told which to move into a sensitive input.
enum SecretNames {
    private static let words = ["password", "passwd", "secret", "token", "apikey", "api_key", "credential", "privatekey"]

    /// Whether a key's name says it holds a secret.
    static func looksSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return words.contains { lowered.contains($0) }
    }

    /// A note naming each such key and how many of the tasks hold it; nil when none does.
    static func note(for tasks: [SourceTask]) -> String? {
        var counts: [String: Int] = [:]
        for task in tasks {
            guard case .object(let parameters)? = task.fields["ParameterObject"] else { continue }
            for (key, _) in parameters where looksSecret(key) { counts[key, default: 0] += 1 }
        }
        guard !counts.isEmpty else { return nil }
        let named = counts.keys.sorted().map { "\($0) (\(counts[$0] ?? 0) of \(tasks.count) tasks)" }
        return "ParameterObject \(named.joined(separator: ", ")) looks secret and is written as the server holds it, in clear: "
            + "before the file goes into git, give it from a sensitive input (inputs: {NAME: {type: string, sensitive: true}}, "
            + "its value from BATCHCTL_VAR_NAME)"
    }
}
