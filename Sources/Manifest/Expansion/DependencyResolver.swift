import DesiredTasks
import Diagnostics

/// Resolves `dependsOn` references to addresses, bounds the edges they make and rejects cycles.
enum DependencyResolver {
    /// Each glob is matched against the addresses once, however many tasks write it (a matrix's tasks all do), and
    /// the edges are counted as they are made: past `maxEdges` the resolution stops with an error, so a glob over a
    /// large matrix written in a large matrix costs the limit, not the square of the matrix.
    static func resolve(_ tasks: inout [DesiredTask], references: [[DependencyReference]], maxEdges: Int,
                        diagnostics: DiagnosticCollector) {
        // Most large sets have no dependsOn at all: then there is nothing to index.
        guard references.contains(where: { !$0.isEmpty }) else { return }
        var index: [String: Int] = [:]
        index.reserveCapacity(tasks.count)
        for i in tasks.indices { index[tasks[i].address] = i }
        let addresses = tasks.map(\.address)
        var globMatches: [String: [Int]] = [:]
        var edges = [[Int]](repeating: [], count: tasks.count)
        var edgeCount = 0
        // The task whose edges were last collected in `seen`: a stamp per task instead of a set made for each.
        var seen = [Int](repeating: -1, count: tasks.count)
        for i in tasks.indices where i < references.count && !references[i].isEmpty {
            var resolved: [Int] = []
            let setPrefix = tasks[i].setName + "/"
            for reference in references[i] {
                let pattern = TaskAddress.address(reference.text, inSet: tasks[i].setName)
                if pattern.contains("*") || pattern.contains("?") {
                    let matches: [Int]
                    if let known = globMatches[pattern] {
                        matches = known
                    } else {
                        let glob = Glob(pattern)
                        matches = addresses.indices.filter { glob.matches(addresses[$0]) }
                        globMatches[pattern] = matches
                    }
                    if matches.isEmpty || matches == [i] {
                        diagnostics.error(reference.location, "dependsOn '\(reference.text)' matches no task")
                    }
                    // A task never depends on itself through a glob.
                    for match in matches where match != i && seen[match] != i {
                        seen[match] = i
                        resolved.append(match)
                    }
                } else if let target = index[pattern] {
                    if seen[target] != i {
                        seen[target] = i
                        resolved.append(target)
                    }
                } else {
                    let hint = Suggestion.hint(for: pattern, in: addresses.lazy.filter { $0.hasPrefix(setPrefix) })
                    diagnostics.error(reference.location, "dependsOn '\(reference.text)' names no task (looked for \(pattern))\(hint)")
                }
                if edgeCount + resolved.count > maxEdges {
                    diagnostics.error(
                        reference.location,
                        "dependsOn makes more than \(maxEdges) dependency edges in all, the limit (\(tasks[i].address), "
                            + "after \(edgeCount) edges of the tasks before it, adds \(resolved.count)); every task a glob "
                            + "matches is an edge of every task that writes it: depend on fewer tasks, or raise the limit "
                            + "with --max-dependency-edges")
                    for j in tasks.indices { tasks[j].dependsOn = [] }
                    return
                }
            }
            edgeCount += resolved.count
            tasks[i].dependsOn = resolved.map { addresses[$0] }
            edges[i] = resolved
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
