#if canImport(Glibc)
import Glibc
#endif
import Diagnostics
import Foundation
import Testing
@testable import YAML

/// `!include` and `!include-text`: paths, positions, caching, cycles, missing files and the root restriction.
@Suite struct IncludeTests {
    @Test func includeReplacesTheNodeAndKeepsPositionsInTheFragment() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("examples/fragments/p.yaml", "# a fragment\nretries: 3\nname: x\n")
        try dir.write("examples/fragments/notes.txt", "hello\nworld\n")
        let main = try dir.write("examples/sets/main.yaml", """
            job: !include ../fragments/p.yaml
            notes: !include-text ../fragments/notes.txt
            """)
        let loader = Loader()
        let doc = try #require(try loader.load(file: main).documents.first)
        let fragment = "\(dir.path)/examples/fragments/p.yaml"
        #expect(doc["job"]?["retries"]?.value == .int(3))
        #expect(doc["job"]?["retries"]?.location.description == "\(fragment):2:10")
        #expect(doc["job"]?.location.file == fragment)
        #expect(doc["notes"]?.string == "hello\nworld\n")
        #expect(doc["notes"]?.location.description == "\(main):2:8")
        #expect(loader.includedFiles == [fragment, "\(dir.path)/examples/fragments/notes.txt"])
    }

    @Test func aFIFOIsRefusedAtOnceNotWaitedOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fifo = "\(dir.path)/pipe.yaml"
        try #require(mkfifo(fifo, 0o600) == 0)
        let main = try dir.write("main.yaml", "job: !include pipe.yaml\n")
        // No writer ever opens the FIFO: a blocking open or read would hang this test.
        for path in [main, fifo] {
            let error = #expect(throws: Diagnostic.self) { try Loader().load(file: path) }
            #expect(error?.message.contains("not a regular file") == true, "\(String(describing: error))")
        }
        let devNull = #expect(throws: Diagnostic.self) { try Loader().load(file: "/dev/zero") }
        #expect(devNull?.message.contains("not a regular file") == true, "a device that never ends is refused")
    }

    @Test func pseudoFilesAreRefusedWhateverTheFlagsAndHowEverTheyAreReached() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try #require(symlink("/proc/self/environ", "\(dir.path)/env.txt") == 0)
        try #require(symlink("/proc/self", "\(dir.path)/me") == 0)
        let climb = String(repeating: "../", count: dir.path.split(separator: "/").count)
        let includes = [
            "/proc/self/environ", "\(climb)proc/self/environ", "env.txt", "me/environ", "/proc/self/status",
            "/sys/kernel/uevent_seqnum",
        ]
        let main = try dir.write("main.yaml", includes.enumerated().map { index, path in
            "k\(index): !include-text \(path)"
        }.joined(separator: "\n") + "\n")
        // Not even --allow-include-outside, nor a loader with no root at all, reads them.
        for options in [LoaderOptions(root: dir.path, allowIncludeOutside: true), LoaderOptions()] {
            for (index, path) in includes.enumerated() {
                let line = "x: 1\n" + "k\(index): !include-text \(path)\n"
                // Caught by hand: a failed `#expect(throws:)` would print what was read, the environment.
                let error = refusal { try Loader(options: options).load(text: line, file: main) }
                #expect(error != nil, "\(path) was read")
                #expect(error?.location?.description == "\(main):2:\(4 + String(index).count)", "\(path)")
                #expect(error?.message.contains("such files are never read") == true, "\(String(describing: error))")
                // The error names the file, never what it holds.
                let value = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
                #expect(error?.message.contains(value) == false)
            }
        }
        #expect(refusal { try Loader().load(file: main) }?.location?.line == 1)
        // A top-level file is no different, nor a regular file kept in a memory file system under /dev.
        #expect(refusal { try Loader().load(file: "/proc/self/environ") }?.message.contains("under /proc") == true)
        if access("/dev/shm", W_OK) == 0 {
            let shm = "/dev/shm/batchctl-\(UUID().uuidString).yaml"
            try Data("a: 1\n".utf8).write(to: URL(fileURLWithPath: shm))
            defer { unlink(shm) }
            let error = refusal { try Loader().load(text: "a: !include \(shm)\n", file: main) }
            #expect(error?.message.contains("under /dev") == true, "\(String(describing: error))")
        }
    }

    /// The diagnostic `load` fails with, or nil; what it read is never shown.
    private func refusal(_ load: () throws -> YAMLFile) -> Diagnostic? {
        do {
            _ = try load()
            return nil
        } catch {
            return error as? Diagnostic
        }
    }

    @Test func displayedPathsAreNormalizedRelativeToTheIncludingFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("examples/fragments/p.yaml", "a: 1\na: 2\n")
        try dir.write("examples/sets/main.yaml", "job: !include ../fragments/p.yaml\n")
        // The top-level path is shown as given; the fragment's is joined to its directory and normalized.
        let given = "\(dir.path)/examples/./sets/main.yaml"
        #expect(throws: Diagnostic.error(
            SourceLocation(file: "\(dir.path)/examples/fragments/p.yaml", line: 2, column: 1),
            "duplicate key 'a' in this mapping",
            notes: ["'a' is first defined at \(dir.path)/examples/fragments/p.yaml:1:1", "included from \(given):1:6"])
        ) {
            try Loader().load(file: given)
        }
    }

    @Test func aFragmentIncludedManyTimesIsParsedOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("f.yaml", "{a: 1, b: [x, y]}\n")
        let main = try dir.write("main.yaml", (0..<1000).map { _ in "- !include f.yaml" }.joined(separator: "\n"))
        let loader = Loader()
        let doc = try #require(try loader.load(file: main).documents.first)
        #expect(doc.sequence?.count == 1000)
        #expect(doc.sequence?.last?["b"]?.sequence?.count == 2)
        #expect(loader.filesParsed == 2)
    }

    @Test func repeatedIncludesCountTowardsTheExpansionBound() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("l0.yaml", "[1, 2, 3, 4, 5, 6, 7, 8, 9]\n")
        for level in 1...3 {
            try dir.write("l\(level).yaml", (0..<10).map { _ in "- !include l\(level - 1).yaml" }.joined(separator: "\n"))
        }
        let options = LoaderOptions(maxAliasNodes: 1000)
        // l2 copies l1 (101 nodes) 9 more times: within the bound; l3 copying l2 (1,011 nodes) is not.
        #expect(try Loader(options: options).load(file: "\(dir.path)/l2.yaml").documents.count == 1)
        #expect(throws: Diagnostic.error(
            SourceLocation(file: "\(dir.path)/l3.yaml", line: 2, column: 3),
            "!include l2.yaml expands this file past 1000 nodes; copies of copies grow exponentially "
                + "(a \"billion laughs\" document), so the file is refused")
        ) {
            try Loader(options: options).load(file: "\(dir.path)/l3.yaml")
        }
    }

    /// The diagnostic loading `path` fails with, or nil when it loads.
    private func loadingFailure(_ path: String) -> String? {
        do {
            _ = try Loader().load(file: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func anIncludeBringsTheDepthOfItsDocument() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("deep.yaml", String(repeating: "[", count: 999) + String(repeating: "]", count: 999) + "\n")
        #expect(loadingFailure(try dir.write("fits.yaml", "a: !include deep.yaml\n")) == nil)
        let main = try dir.write("main.yaml", "a: [!include deep.yaml]\n")
        #expect(loadingFailure(main) == "\(main):1:5: error: !include deep.yaml nests collections 1001 levels deep, more than 1000")
    }

    @Test func aChainOfIncludesCannotBuildADeepTree() throws {
        // Each file is 900 levels deep around the one before it: every file alone is within the limit.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("f0.yaml", "end\n")
        let around = (String(repeating: "[", count: 900), String(repeating: "]", count: 900))
        for level in 1...100 {
            try dir.write("f\(level).yaml", "\(around.0)!include f\(level - 1).yaml\(around.1)\n")
        }
        let error = try #require(loadingFailure("\(dir.path)/f100.yaml"))
        #expect(error.hasPrefix(
            "\(dir.path)/f2.yaml:1:901: error: !include f1.yaml nests collections 1800 levels deep, more than 1000\n"
                + "    note: included from \(dir.path)/f3.yaml:1:901\n"))
    }

    @Test func includeCycleNamesTheChain() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let a = try dir.write("a.yaml", "b: !include b.yaml\n")
        try dir.write("b.yaml", "x: 1\na: !include a.yaml\n")
        let b = "\(dir.path)/b.yaml"
        #expect(throws: Diagnostic.error(
            SourceLocation(file: b, line: 2, column: 4), "include cycle: \(a) -> \(b) -> \(a)",
            notes: ["included from \(a):1:4"])
        ) {
            try Loader().load(file: a)
        }
        let selfInclude = try dir.write("self.yaml", "me: !include self.yaml\n")
        #expect(throws: Diagnostic.error(
            SourceLocation(file: selfInclude, line: 1, column: 5), "include cycle: \(selfInclude) -> \(selfInclude)")
        ) {
            try Loader().load(file: selfInclude)
        }
    }

    @Test func missingIncludeIsAnErrorAtTheIncludingScalar() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let main = try dir.write("main.yaml", "a: 1\nb: !include sub/nope.yaml\n")
        let missing = "\(dir.path)/sub/nope.yaml"
        #expect(throws: Diagnostic.error(
            SourceLocation(file: main, line: 2, column: 4),
            "cannot read included file \(missing): No such file or directory (include chain: \(main) -> \(missing))")
        ) {
            try Loader().load(file: main)
        }
    }

    @Test func includesMayNotLeaveTheRootUnlessAllowed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("shared.yaml", "x: 1\n")
        try dir.write("shared.txt", "text")
        let main = try dir.write("root/main.yaml", "a: !include ../shared.yaml\n")
        let text = try dir.write("root/text.yaml", "a: !include-text ../shared.txt\n")
        let restricted = LoaderOptions(root: "\(dir.path)/root")
        #expect(throws: Diagnostic.error(
            SourceLocation(file: main, line: 1, column: 4),
            "!include ../shared.yaml resolves to \(dir.path)/shared.yaml, outside the manifest root \(dir.path)/root; "
                + "move the file under the root or pass --allow-include-outside")
        ) {
            try Loader(options: restricted).load(file: main)
        }
        #expect(throws: Diagnostic.self) { try Loader(options: restricted).load(file: text) }

        let allowed = LoaderOptions(root: "\(dir.path)/root", allowIncludeOutside: true)
        #expect(try Loader(options: allowed).load(file: main).documents.first?["a"]?["x"]?.value == .int(1))
        #expect(try Loader(options: allowed).load(file: text).documents.first?["a"]?.string == "text")
        #expect(try Loader().load(file: main).documents.first?["a"]?["x"]?.value == .int(1))
    }

    @Test func includedFileMustHoldExactlyOneDocument() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("two.yaml", "--- 1\n--- 2\n")
        try dir.write("empty.yaml", "")
        let main = try dir.write("main.yaml", "a: !include two.yaml\n")
        let empty = try dir.write("e.yaml", "a: !include empty.yaml\n")
        #expect(throws: Diagnostic.error(
            SourceLocation(file: main, line: 1, column: 4),
            "\(dir.path)/two.yaml has 2 documents; !include needs a file with exactly one YAML document")
        ) {
            try Loader().load(file: main)
        }
        #expect(throws: Diagnostic.self) { try Loader().load(file: empty) }
    }

    @Test func includeNeedsAScalarPath() {
        #expect(failure("a: !include {x: 1}\n")
            == "t.yaml:1:4: error: !include takes a file path, not a mapping: write `!include path/to/file`")
        #expect(failure("a: !include\n") == "t.yaml:1:4: error: !include needs a file path, relative to t.yaml")
    }
}
