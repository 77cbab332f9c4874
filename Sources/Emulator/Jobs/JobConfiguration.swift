/// How the emulator runs the job behind every new task.
public struct JobConfiguration: Sendable, Hashable {
    /// Seconds from a task's creation to the end of its job; 0 finishes the job at once.
    public var durationSeconds: Double
    /// The share of jobs (0...1) that end `Failed` without being asked to.
    public var failRate: Double
    /// The Names whose jobs run (`serve --jobs`): globs with `*` and `?`, matched with exact case. A task whose Name
    /// matches none stays `New`. api.md v3, "Jobs the server does not know" (our reading): "A task whose Name no
    /// job handles may stay `New` indefinitely"; "The emulator runs every Name by default".
    public var names: [String]

    public init(durationSeconds: Double = 5, failRate: Double = 0, names: [String] = ["*"]) {
        self.durationSeconds = durationSeconds
        self.failRate = failRate
        self.names = names
    }

    /// The ParameterObject member that fails a job on purpose: `"fail": true`, or a string that becomes the reason
    /// in Result (`"fail": "disk full"`). `false`, `"false"` and `""` do not fail it.
    public static let failFlag = "fail"

    /// Whether a job runs for a task of this Name (a task without one has the empty Name).
    public func runs(name: String?) -> Bool {
        let name = Array((name ?? "").unicodeScalars)
        return names.contains { Self.glob(Array($0.unicodeScalars), matches: name) }
    }

    /// `*` any run of characters, `?` one character, anything else itself. Iterative with one backtrack point,
    /// so a pattern of many stars costs at most pattern × name steps, never exponential time.
    static func glob(_ pattern: [Unicode.Scalar], matches name: [Unicode.Scalar]) -> Bool {
        var p = 0, n = 0
        var star: Int?, starName = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == name[n]) {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                starName = n
                p += 1
            } else if let star {
                p = star + 1
                starName += 1
                n = starName
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
