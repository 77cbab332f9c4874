import Diagnostics

/// Resolves `dependsOn` references to addresses and rejects cycles.
enum DependencyResolver {
    static func resolve(_ tasks: inout [DesiredTask], references: [[DependencyReference]], diagnostics: DiagnosticCollector) {
        // Most large sets have no dependsOn at all: then there is nothing to index.
        guard references.contains(where: { !$0.isEmpty }) else { return }
        var index: [String: Int] = [:]
        index.reserveCapacity(tasks.count)
        for i in tasks.indices { index[tasks[i].address] = i }
        let addresses = tasks.map(\.address)
        var edges = [[Int]](repeating: [], count: tasks.count)
        for i in tasks.indices where i < references.count && !references[i].isEmpty {
            var resolved: [String] = []
            let own = tasks[i].address, setPrefix = tasks[i].setName + "/"
            for reference in references[i] {
                let pattern = reference.text.contains("/") ? reference.text : "\(tasks[i].setName)/\(reference.text)"
                if pattern.contains("*") || pattern.contains("?") {
                    let glob = Glob(pattern)
                    let matches = addresses.filter { glob.matches($0) && $0 != own }
                    if matches.isEmpty {
                        diagnostics.error(reference.location, "dependsOn '\(reference.text)' matches no task")
                    }
                    resolved += matches
                } else if index[pattern] != nil {
                    resolved.append(pattern)
                } else {
                    let hint = Suggestion.hint(for: pattern, in: addresses.lazy.filter { $0.hasPrefix(setPrefix) })
                    diagnostics.error(reference.location, "dependsOn '\(reference.text)' names no task (looked for \(pattern))\(hint)")
                }
            }
            var seen = Set<String>()
            tasks[i].dependsOn = resolved.filter { seen.insert($0).inserted }
            edges[i] = tasks[i].dependsOn.compactMap { index[$0] }
        }
        if let cycle = findCycle(edges) {
            let path = cycle.map { tasks[$0].address }.joined(separator: " -> ")
            diagnostics.error(tasks[cycle[0]].source, "dependsOn forms a cycle: \(path)")
        }
    }

    /// One cycle as a path that ends where it starts, found by an iterative depth-first search.
    static func findCycle(_ edges: [[Int]]) -> [Int]? {
        var color = [UInt8](repeating: 0, count: edges.count)  // 0 new, 1 on the stack, 2 done
        var parent = [Int](repeating: -1, count: edges.count)
        for start in edges.indices where color[start] == 0 && !edges[start].isEmpty {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            color[start] = 1
            while let top = stack.last {
                if top.next < edges[top.node].count {
                    stack[stack.count - 1].next += 1
                    let target = edges[top.node][top.next]
                    if color[target] == 1 {
                        var path = [target]
                        var node = top.node
                        while node != target && node >= 0 {
                            path.append(node)
                            node = parent[node]
                        }
                        path.append(target)
                        return path.reversed()
                    }
                    if color[target] == 0 {
                        color[target] = 1
                        parent[target] = top.node
                        stack.append((target, 0))
                    }
                } else {
                    color[top.node] = 2
                    stack.removeLast()
                }
            }
        }
        return nil
    }
}

/// A shell-style pattern over addresses: `*` matches any run of characters, `?` one character.
public struct Glob: Sendable, Hashable {
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.characters = Array(pattern)
    }

    public var isLiteral: Bool { !characters.contains("*") && !characters.contains("?") }

    public func matches(_ text: String) -> Bool {
        if isLiteral { return pattern == text }
        let s = Array(text)
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < s.count {
            if p < characters.count && (characters[p] == "?" || characters[p] == s[t]) {
                p += 1; t += 1
            } else if p < characters.count && characters[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < characters.count && characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
