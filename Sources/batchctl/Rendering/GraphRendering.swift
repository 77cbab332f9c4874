import DesiredTasks
import Manifest
import Planning

/// The dependsOn graph of the desired tasks as Graphviz DOT or a mermaid flowchart: one cluster per task set, one
/// node per task labelled with its address, an edge from each dependency to the task that waits for it (the order
/// apply runs them in), and, given the plan's actions, nodes filled by action.
enum GraphRendering {
    static func dot(_ tasks: [DesiredTask], actions: [String: ActionKind]? = nil) -> String {
        var out = "digraph \"batchctl\" {\n  rankdir=LR;\n"
        out += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n"
        for (set, members) in bySet(tasks) {
            out += "  subgraph \(dotID("cluster_" + set)) {\n    label=\(dotID(set));\n"
            for task in members {
                out += "    \(dotID(task.address)) [label=\(dotID(task.address))"
                if let kind = actions?[task.address] {
                    out += ", fillcolor=\(dotID(color(kind))), tooltip=\(dotID(kind.rawValue))"
                }
                out += "];\n"
            }
            out += "  }\n"
        }
        for task in tasks {
            for dependency in task.dependsOn {
                out += "  \(dotID(dependency)) -> \(dotID(task.address));\n"
            }
        }
        return out + "}\n"
    }

    static func mermaid(_ tasks: [DesiredTask], actions: [String: ActionKind]? = nil) -> String {
        // Mermaid ids are kept to letters and digits; the addresses go in quoted labels.
        var ids: [String: String] = [:]
        ids.reserveCapacity(tasks.count)
        for (index, task) in tasks.enumerated() { ids[task.address] = "n\(index)" }
        var out = "flowchart LR\n"
        for (index, (set, members)) in bySet(tasks).enumerated() {
            out += "  subgraph s\(index)[\"\(mermaidText(set))\"]\n"
            for task in members {
                out += "    \(ids[task.address] ?? "")[\"\(mermaidText(task.address))\"]\n"
            }
            out += "  end\n"
        }
        for task in tasks {
            guard let to = ids[task.address] else { continue }
            for dependency in task.dependsOn {
                if let from = ids[dependency] { out += "  \(from) --> \(to)\n" }
            }
        }
        if let actions {
            var byKind: [ActionKind: [String]] = [:]
            for task in tasks {
                if let kind = actions[task.address], let id = ids[task.address] { byKind[kind, default: []].append(id) }
            }
            for kind in ActionKind.allCases {
                guard let members = byKind[kind] else { continue }
                let name = className(kind)
                out += "  classDef \(name) fill:\(color(kind)),stroke:#555555\n"
                out += "  class \(members.joined(separator: ",")) \(name)\n"
            }
        }
        return out
    }

    /// The tasks grouped by set, sets in the order their first task comes.
    private static func bySet(_ tasks: [DesiredTask]) -> [(String, [DesiredTask])] {
        var order: [String] = []
        var members: [String: [DesiredTask]] = [:]
        for task in tasks {
            if members[task.setName] == nil { order.append(task.setName) }
            members[task.setName, default: []].append(task)
        }
        return order.map { ($0, members[$0] ?? []) }
    }

    private static func color(_ kind: ActionKind) -> String {
        switch kind {
        case .create: return "#c8f0c8"
        case .update: return "#fff0a8"
        case .replace: return "#f6c0c0"
        case .delete: return "#e0a0a0"
        case .move, .import: return "#c8dcff"
        case .run: return "#e0d0ff"
        case .schedule: return "#d8f0f0"
        case .noop: return "#eeeeee"
        }
    }

    private static func className(_ kind: ActionKind) -> String {
        kind == .noop ? "noop" : kind.rawValue
    }

    /// A DOT double-quoted string: backslashes and quotes escaped (a backslash would otherwise start a label
    /// escape such as `\N`), line breaks as `\n`.
    static func dotID(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": break
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Text for a mermaid quoted label: everything but letters, digits and `/ . _ -` and spaces as mermaid's
    /// `#code;` entities, so no quote, bracket, pipe or markup ends the label or changes it.
    static func mermaidText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/._- ".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar == "\n" || scalar == "\r" {
                out += " "
            } else if scalar.isASCII {
                out += "#\(scalar.value);"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
