import Foundation
import JSON
import Testing

/// `batchctl graph` read by Graphviz, and `batchctl completion` run by bash.
@Suite struct GraphAndCompletionTests {
    let examples = BinaryRunner.repositoryRoot + "/examples"

    /// Graphviz's `dot`, or nil.
    static let dot: String? = executable("dot")

    /// Why the Graphviz test cannot run here; nil when it can. With `CI=true` nothing is skipped: a missing `dot`
    /// fails the test instead.
    static let missingGraphviz: String? = {
        if ProcessInfo.processInfo.environment["CI"] == "true" || dot != nil { return nil }
        return "skipped: Graphviz's dot is not on PATH (Debian: apt-get install graphviz; .ci/run installs it)"
    }()

    @Test(.disabled(if: missingGraphviz != nil, Comment(rawValue: missingGraphviz ?? "")))
    func graphvizReadsTheDOT() throws {
        let dot = try #require(Self.dot, "Graphviz's dot is required with CI=true (apt-get install graphviz)")
        let graph = try BinaryRunner.run(["-C", examples, "graph", "--env", "prod"])
        #expect(graph.status == 0, "\(graph.stderr)")
        let svg = try Self.run(dot, ["-Tsvg"], input: graph.stdout)
        #expect(svg.status == 0, "dot: \(svg.stderr)")
        #expect(svg.stderr.isEmpty, "dot warns: \(svg.stderr)")
        // Graphviz names each node, cluster and edge in a <title>, with `-` and `>` as character references.
        let titles = Set(svg.stdout.components(separatedBy: "<title>").dropFirst().compactMap { $0.components(separatedBy: "</title>").first })
        let render = try BinaryRunner.run(["-C", examples, "render", "-o", "json", "--env", "prod"])
        let tasks = try JSONValue.parse(render.stdout).arrayValue ?? []
        #expect(tasks.count == 18)
        var edges = 0
        for task in tasks {
            let address = try #require(task["address"]?.stringValue)
            #expect(titles.contains(Self.svgText(address)), "no node \(address)")
            for dependency in task["dependsOn"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                #expect(titles.contains(Self.svgText(dependency + "->" + address)), "no edge \(dependency) -> \(address)")
                edges += 1
            }
        }
        #expect(titles.contains("cluster_nightly") && titles.contains("cluster_maintenance"))
        #expect(edges >= 12, "the report waits for the 12 imports")
        #expect(titles.count { $0.contains("&#45;&gt;") } == edges, "no edge but the dependencies")
    }

    @Test func theStateColoursNodesByPlannedAction() throws {
        let directory = try ReconcileTests.project(tasks: 2)
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        let manifest = directory.path + "/sets/load.yaml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "count: 2", with: "count: 3")
            .replacingOccurrences(of: "Name: Load task ${n}", with: "Name: Load task ${n == 2 ? \"two\" :n}")
            .write(toFile: manifest, atomically: true, encoding: .utf8)

        let plain = try BinaryRunner.run(["graph"], in: directory.path)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("tooltip"), "no state named, no colours")

        let dot = try BinaryRunner.run(["graph", "--state", "batchctl.state.json"], in: directory.path)
        #expect(dot.status == 0, "\(dot.stderr)")
        #expect(dot.stdout.hasPrefix("digraph \"batchctl\" {\n"))
        #expect(dot.stdout.contains("  subgraph \"cluster_load\" {\n    label=\"load\";\n"))
        #expect(dot.stdout.contains("    \"load/task-00001\" [label=\"load/task-00001\", fillcolor=\"#eeeeee\", tooltip=\"no-op\"];\n"))
        #expect(dot.stdout.contains("    \"load/task-00002\" [label=\"load/task-00002\", fillcolor=\"#f6c0c0\", tooltip=\"replace\"];\n"))
        #expect(dot.stdout.contains("    \"load/task-00003\" [label=\"load/task-00003\", fillcolor=\"#c8f0c8\", tooltip=\"create\"];\n"))

        let mermaid = try BinaryRunner.run(["graph", "--state", "batchctl.state.json", "-o", "mermaid"], in: directory.path)
        #expect(mermaid.status == 0, "\(mermaid.stderr)")
        #expect(mermaid.stdout == """
            flowchart LR
              subgraph s0["load"]
                n0["load/task-00001"]
                n1["load/task-00002"]
                n2["load/task-00003"]
              end
              classDef create fill:#c8f0c8,stroke:#555555
              class n2 create
              classDef replace fill:#f6c0c0,stroke:#555555
              class n1 replace
              classDef noop fill:#eeeeee,stroke:#555555
              class n0 noop

            """)
    }

    @Test func mermaidHasAnEdgePerDependency() throws {
        let render = try BinaryRunner.run(["-C", examples, "render", "-o", "json", "--env", "prod"])
        let edges = try JSONValue.parse(render.stdout).arrayValue?.reduce(0) { $0 + ($1["dependsOn"]?.arrayValue?.count ?? 0) } ?? 0
        #expect(edges >= 12)
        let graph = try BinaryRunner.run(["-C", examples, "graph", "--env", "prod", "--output", "mermaid"])
        #expect(graph.status == 0, "\(graph.stderr)")
        let lines = graph.stdout.split(separator: "\n")
        #expect(lines.first == "flowchart LR")
        #expect(lines.count { $0.hasPrefix("  subgraph s") } == 2)
        #expect(lines.count { $0.contains(" --> ") } == edges)
        // Ids are letters and digits; every label is quoted.
        for line in lines where line.hasPrefix("    n") {
            let label = line.dropFirst(4).drop { $0 == "n" || $0.isNumber }
            #expect(label.hasPrefix("[\"") && label.hasSuffix("\"]"), "\(line)")
            #expect(label.dropFirst(2).dropLast(2).allSatisfy { $0.isLetter || $0.isNumber || "/._- ".contains($0) }, "\(line)")
        }
    }

    @Test func completionScriptsForEachShell() throws {
        for (shell, marker) in [("bash", "complete -o filenames -F _batchctl batchctl"), ("zsh", "#compdef batchctl"), ("fish", "complete -c 'batchctl'")] {
            let outcome = try BinaryRunner.run(["completion", shell])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains(marker) || outcome.stdout.contains(marker.replacingOccurrences(of: "'", with: "")), "\(shell)")
            #expect(outcome.stdout.contains("graph") && outcome.stdout.contains("completion"))
        }
        let unknown = try BinaryRunner.run(["completion", "tcsh"])
        #expect(unknown.status == 1)
    }

    @Test(.disabled(if: GraphAndCompletionTests.executable("bash") == nil, "bash is not on PATH"))
    func bashCompletesAddressesFromTheManifests() throws {
        let bash = try #require(Self.executable("bash"))
        let script = try BinaryRunner.run(["completion", "bash"])
        let directory = try TemporaryDirectory(files: ["batchctl.bash": script.stdout])
        // What bash does on TAB after the words typed so far: the completion function fills COMPREPLY.
        func complete(_ words: [String]) throws -> [String] {
            let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
            let program = """
                source batchctl.bash
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
                _batchctl "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let outcome = try Self.run(bash, ["-c", program], directory: directory.path)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stdout.split(separator: "\n").map(String.init)
        }
        let binary = BinaryRunner.binary
        let targets = try complete([binary, "-C", examples, "plan", "--env", "prod", "--target", ""])
        #expect(targets.count == 18, "\(targets)")
        #expect(targets.contains("nightly/report") && targets.contains("maintenance/purge-sale"))
        let explain = try complete([binary, "-C", examples, "explain", "--env", "dev", "nightly/imp"])
        #expect(!explain.isEmpty && explain.allSatisfy { $0.hasPrefix("nightly/imp") }, "\(explain)")
        #expect(explain.contains("nightly/import-eu-01"))
    }

    // MARK: - Helpers

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Text as Graphviz writes it into SVG.
    static func svgText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "-", with: "&#45;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "<", with: "&lt;")
    }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil, directory: String? = nil) throws -> BinaryRunner.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory.map { URL(fileURLWithPath: $0) } ?? BinaryRunner.spawnDirectory
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errRead = PipeReader(err)
        let outRead = PipeReader(out)
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outData = outRead.wait()
        let errData = errRead.wait()
        process.waitUntilExit()
        return BinaryRunner.Outcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                    stderr: String(decoding: errData, as: UTF8.self))
    }
}
