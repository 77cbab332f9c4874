import Foundation
import JSON
import Testing

/// `plan` and `drift` as pull-request comments (`--output markdown`) and `validate`, `plan` and `drift` as GitHub
/// Actions workflow commands (`--output github`), read back as GitHub reads them.
@Suite struct PullRequestOutputTests {
    static let commentLimit = 65_536

    // MARK: - Markdown

    @Test func aTwentyThousandActionPlanFitsInOneComment() throws {
        let secret = "never-shown-\(UUID().uuidString)"
        let directory = try ReconcileTests.project(tasks: 20_000, secret: secret)
        let outcome = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--refresh=false", "--output", "markdown"], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let text = outcome.stdout
        #expect(text.utf8.count <= Self.commentLimit)
        #expect(text.utf8.count > Self.commentLimit - 4096, "as many actions as fit, not a few")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "**Plan: 20000 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.**")
        #expect(text.contains("| <code>+</code> create | 20000 |"))
        #expect(!text.contains(secret))
        #expect(text.contains("&quot;token&quot;&#58;&quot;(sensitive)&quot;"))

        // The actions kept are the first ones, in plan order, each with its fields.
        let opening = "<details><summary><code>+</code> create <b>"
        let shown = lines.compactMap { line -> String? in
            guard line.hasPrefix(opening), let end = line.range(of: "</b>") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: opening.count)..<end.lowerBound])
        }
        #expect(shown.count > 10)
        #expect(shown == (1...max(shown.count, 1)).map { "load/task-\(String(format: "%05d", $0))" })
        #expect(text.components(separatedBy: "| Name |  | <code>&quot;Load task ").count - 1 == shown.count)
        try MarkupCheck.balanced(text)

        // The rest are counted, and the command named shows them all.
        let note = try #require(lines.first { $0.hasPrefix("<i>") && $0.contains("left out") })
        #expect(note.hasPrefix("<i>\(20_000 - shown.count) actions left out to keep this under 65536 characters; <code>"))
        let command = try #require(note.range(of: "<code>").flatMap { start in
            note.range(of: "</code>").map { String(note[start.upperBound..<$0.lowerBound]) }
        })
        #expect(command == "batchctl plan --endpoint embedded --refresh=false")
        let words = command.split(separator: " ").dropFirst().map(String.init)
        let all = try BinaryRunner.run(words, in: directory.path)
        #expect(all.status == 0)
        #expect(all.stdout.contains("  + load/task-20000\n"))
        #expect(all.stdout.hasSuffix("Plan: 20000 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.\n"))

        // What the plan was made from closes the comment.
        let digest = try #require(lines.dropLast().last)
        #expect(digest.hasPrefix("<sub>manifest digest <code>"))
        #expect(digest.hasSuffix(" · no state yet</sub>"))
    }

    @Test func valuesCannotBreakTheTableOrTheMarkup() throws {
        let directory = try TemporaryDirectory(files: [
            "sets/odd.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: odd}
                tasks:
                  - key: pipes
                    Name: "a | b `code` <script>alert(1)</script> @octocat :tada: **bold** $x$ #1"
                    Description: "first line\\nsecond | line\\r\\nthird</details>"
                    DatabaseSerialNumber: "1"
                    ParameterObject: {password: '${sensitive("hunter2-secret")}'}
                """,
        ])
        let outcome = try BinaryRunner.run(["plan", "-f", "sets", "--endpoint", "embedded", "--refresh=false", "-o", "markdown"], in: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let text = outcome.stdout
        #expect(!text.contains("hunter2-secret"))
        #expect(!text.contains("`"), "backticks would open code spans")
        #expect(!text.contains("<script>") && text.contains("&lt;script&gt;"))
        #expect(!text.contains("@octocat") && !text.contains(":tada:") && !text.contains("**bold**"))
        // Every row of the field table keeps its three columns: no `|` but the cell separators.
        let rows = text.split(separator: "\n").drop { !$0.hasPrefix("| field |") }.filter { $0.hasPrefix("| ") }
        #expect(rows.count == 6, "header, rule, Name, Description, DatabaseSerialNumber, ParameterObject")
        for row in rows { #expect(row.count { $0 == "|" } == 4, "\(row)") }
        let nameRow = try #require(rows.first { $0.hasPrefix("| Name |") })
        #expect(nameRow.contains("&#124;") && nameRow.contains("&#96;code&#96;"))
        try MarkupCheck.balanced(text)
    }

    @Test func driftAsMarkdownAndAsWorkflowCommands() throws {
        let directory = try ReconcileTests.project(tasks: 3)
        let apply = try BinaryRunner.run(["apply", "--endpoint", "embedded", "--auto-approve"], in: directory.path)
        #expect(apply.status == 0, "\(apply.stderr)")
        // A new emulator database: every managed task is missing from the API.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory.path + "/.batchctl/embedded.sqlite" + suffix) }
        let markdown = try BinaryRunner.run(["drift", "--endpoint", "embedded", "-o", "markdown"], in: directory.path)
        #expect(markdown.status == 2, "\(markdown.stderr)")
        let lines = markdown.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "**Drift: 0 modified, 3 missing, of 3 managed tasks.**")
        #expect(markdown.stdout.contains("| <code>!</code> missing | 3 |"))
        #expect(markdown.stdout.contains("<code>!</code> <b>load/task-00002</b> (id "))
        let state = try JSONValue.parse(String(contentsOfFile: directory.path + "/batchctl.state.json", encoding: .utf8))
        let serial = try #require(state["serial"]?.intValue)
        #expect(markdown.stdout.contains(" · state serial \(serial)</sub>\n"))
        try MarkupCheck.balanced(markdown.stdout)

        let summary = directory.path + "/summary.md"
        let github = try BinaryRunner.run(["drift", "--endpoint", "embedded", "-o", "github"], in: directory.path,
                                          environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(github.status == 2)
        let commands = WorkflowCommand.parseAll(github.stdout)
        let sources = try Self.sources(in: directory.path)
        let warnings = commands.filter { $0.name == "warning" }
        #expect(warnings.count == 3)
        for (warning, address) in zip(warnings, ["load/task-00001", "load/task-00002", "load/task-00003"]) {
            #expect(warning.message.hasPrefix("\(address) (id "))
            #expect(warning.message.hasSuffix(") is missing from the API"))
            #expect(Self.position(warning) == sources[address])
        }
        #expect(commands.last == WorkflowCommand(name: "notice", properties: ["title": "batchctl drift"],
                                                 message: "Drift: 0 modified, 3 missing, of 3 managed tasks."))
        #expect(try String(contentsOfFile: summary, encoding: .utf8).hasPrefix("**Drift: 0 modified, 3 missing"))
    }

    // MARK: - Workflow commands

    @Test func validateAnnotatesEveryDiagnosticAtItsPosition() throws {
        // A file name with the property separators in it, a message with what looks like an escape.
        let directory = try TemporaryDirectory(files: [
            "repo/proj/sets/a,b:c.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: odd}
                tasks:
                  - key: one
                    x%0Ay: 1
                  - key: two
                    Descripton: misspelt
                """,
        ])
        let outcome = try BinaryRunner.run(["-C", "repo/proj", "validate", "-f", "sets", "--output", "github"], in: directory.path,
                                           environment: ["GITHUB_WORKSPACE": directory.path + "/repo"])
        #expect(outcome.status == 1)
        let commands = WorkflowCommand.parseAll(outcome.stdout)
        #expect(commands.count == 2, "\(outcome.stdout)")
        // The same diagnostics as on standard error, the file relative to the workspace.
        let printed = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("sets/a,b:c.yaml:") }
        #expect(printed.count == 2, "\(outcome.stderr)")
        for (command, line) in zip(commands, printed) {
            #expect(command.name == "error")
            let position = try #require(Self.position(command))
            #expect(position.hasPrefix("proj/sets/a,b:c.yaml:"))
            #expect(line.hasPrefix(String(position.dropFirst("proj/".count)) + ": error: " + command.message.split(separator: "\n")[0]), "\(line)")
        }
        #expect(commands[0].message.contains("'x%0Ay'"), "the %0A is text, not a line break: \(commands[0].message)")
        #expect(commands[1].message.contains("Descripton"))
        // What the runner would misread never reaches it raw.
        let raw = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("::error ") }
        #expect(raw.count == 2)
        #expect(raw.allSatisfy { $0.hasPrefix("::error file=proj/sets/a%2Cb%3Ac.yaml,line=") })
        #expect(raw.first?.contains("'x%250Ay'") == true)

        let clean = try TemporaryDirectory(files: ["sets/ok.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: ok}\ntasks:\n  - key: one\n    Name: fine\n"])
        let valid = try BinaryRunner.run(["validate", "-f", "sets", "-o", "github"], in: clean.path)
        #expect(valid.status == 0)
        #expect(valid.stdout == "Valid: 1 task set, 1 task from 1 file.\n")
    }

    @Test func noTextOfAManifestStartsALineOnStandardError() throws {
        // Keys, field names, an extends and a file name that each try to start a line with a workflow command.
        let directory = try TemporaryDirectory(files: [
            "sets/a.yaml": """
                apiVersion: batchctl/v1
                kind: TaskSet
                metadata: {name: a}
                tasks:
                  - key: one
                    Name: One
                    "Descr\\n::error::field": x
                  - key: two
                    extends: "nope\\n::add-mask::pwned"
                    Name: Two
                  - key: "three\\r::error::key"
                    Name: Three
                  - key: four
                    Name: Four
                    "x\\u2028::error::ls": 1
                    "y\\N::error::nel": 1
                    "z\\P\\u000B::error::ps": 1
                """,
            "::error::file.yaml": "apiVersion: batchctl/v1\nkind: TaskSet\nmetadata: {name: b}\ntasks:\n  - key: one\n    Nmae: x\n",
        ])
        let runs = [
            ["validate", "-f", "sets"], ["validate", "-f", "sets", "-o", "github"], ["render", "-f", "sets"],
            ["validate", "-f", "::error::file.yaml", "-o", "github"],
        ]
        for arguments in runs {
            let outcome = try BinaryRunner.run(arguments, in: directory.path)
            #expect(outcome.status == 1, "\(arguments): \(outcome.stderr)")
            // Split the way a runner or a terminal might: at every line break Unicode knows.
            let breaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"]
            let lines = outcome.stderr.unicodeScalars.split(whereSeparator: breaks.contains).map { String(String.UnicodeScalarView($0)) }
            let commands = lines.filter { $0.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("::") }
            #expect(commands.isEmpty, "\(arguments): \(commands)")
            #expect(lines.count >= 2, "\(outcome.stderr)")
            // Each error is still on its own line, the hostile text escaped within it.
            if arguments[2] == "sets" {
                #expect(outcome.stderr.contains(#"Descr\n::error::field"#), "\(outcome.stderr)")
                #expect(outcome.stderr.contains(#"nope\n::add-mask::pwned"#), "\(outcome.stderr)")
                #expect(outcome.stderr.contains(#"three\r::error::key"#), "\(outcome.stderr)")
                #expect(outcome.stderr.contains(#"x\u{2028}::error::ls"#), "\(outcome.stderr)")
                #expect(outcome.stderr.contains(#"y\u{85}::error::nel"#), "\(outcome.stderr)")
            } else {
                #expect(outcome.stderr.contains("./::error::file.yaml:6:5: error: "), "\(outcome.stderr)")
            }
        }
    }

    @Test func planAnnotatesEveryChangeAtItsTaskEntry() throws {
        let secret = "never-shown-\(UUID().uuidString)"
        let directory = try ReconcileTests.project(tasks: 3, secret: secret)
        let summary = directory.path + "/summary.md"
        try "earlier step\n".write(toFile: summary, atomically: true, encoding: .utf8)
        let outcome = try BinaryRunner.run(["plan", "--endpoint", "embedded", "--refresh=false", "-o", "github"], in: directory.path,
                                           environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stdout.contains(secret))
        let commands = WorkflowCommand.parseAll(outcome.stdout)
        #expect(commands.map(\.name) == ["group", "endgroup", "notice", "notice", "notice", "notice"])
        #expect(commands[0].message == "Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.")
        let sources = try Self.sources(in: directory.path)
        for (index, address) in ["load/task-00001", "load/task-00002", "load/task-00003"].enumerated() {
            let notice = commands[2 + index]
            #expect(notice.properties["title"] == "batchctl plan: create \(address)")
            #expect(Self.position(notice) == sources[address])
            let message = notice.message.split(separator: "\n").map(String.init)
            #expect(message.first == "+ create \(address)")
            #expect(message.contains("Name: \"Load task \(index + 1)\""))
            #expect(message.contains { $0.hasPrefix("ParameterObject: ") && $0.contains("\"token\":\"(sensitive)\"") })
        }
        #expect(commands[5].message == "Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.")
        let written = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(written.hasPrefix("earlier step\n**Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 to move.**\n"))
        #expect(!written.contains(secret))
    }

    // MARK: - Helpers

    /// `file:line:col` of a workflow command.
    static func position(_ command: WorkflowCommand) -> String? {
        guard let file = command.properties["file"], let line = command.properties["line"], let column = command.properties["col"] else { return nil }
        return "\(file):\(line):\(column)"
    }

    /// Each task's source position, as `render --output json` gives it.
    static func sources(in directory: String) throws -> [String: String] {
        let render = try BinaryRunner.run(["render", "-o", "json"], in: directory)
        var sources: [String: String] = [:]
        for item in try JSONValue.parse(render.stdout).arrayValue ?? [] {
            if let address = item["address"]?.stringValue, let source = item["source"]?.stringValue { sources[address] = source }
        }
        return sources
    }
}

/// The HTML in a markdown document: only the tags the renderers write, each closed in order.
enum MarkupCheck {
    struct Unbalanced: Error, CustomStringConvertible {
        var description: String
    }

    static let allowed: Set<String> = ["details", "summary", "code", "b", "i", "sub"]

    static func balanced(_ text: String) throws {
        var open: [String] = []
        var rest = Substring(text)
        while let start = rest.firstIndex(of: "<") {
            guard let end = rest[start...].firstIndex(of: ">") else { throw Unbalanced(description: "a '<' that opens no tag") }
            let tag = rest[rest.index(after: start)..<end]
            rest = rest[rest.index(after: end)...]
            if tag == "br" { continue }
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst())
                guard open.popLast() == name else { throw Unbalanced(description: "</\(name)> closes nothing open") }
            } else {
                guard allowed.contains(String(tag)) else { throw Unbalanced(description: "an unexpected tag <\(tag)>") }
                open.append(String(tag))
            }
        }
        if !open.isEmpty { throw Unbalanced(description: "left open: \(open)") }
    }
}
