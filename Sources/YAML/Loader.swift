import Diagnostics

/// Loads YAML files into positioned node trees, resolving includes with a per-run cache and a cycle check.
public final class Loader {
    public let options: LoaderOptions
    /// Normalized displayed paths of every file pulled in by `!include` / `!include-text`.
    public private(set) var includedFiles: Set<String> = []

    /// Included documents and texts by file identity, so a fragment included many times is parsed once.
    private var documentCache: [String: Composer.Sized] = [:]
    private var textCache: [String: String] = [:]
    /// The files being loaded right now, outermost first: the include chain shown in messages.
    private var chain: [(identity: String, display: String)] = []
    private let root: (lexical: String, real: String)?
    /// How many files were parsed, top-level ones included; lets tests see that the cache works.
    private(set) var filesParsed = 0

    public init(options: LoaderOptions = LoaderOptions()) {
        self.options = options
        root = options.root.map { root in
            let lexical = FilePaths.absolute(root)
            return (lexical, FilePaths.realPath(lexical) ?? lexical)
        }
    }

    /// Loads every document of the file at `path`; messages show `path` as given.
    public func load(file path: String) throws(Diagnostic) -> YAMLFile {
        let bytes: [UInt8]
        do {
            bytes = try FilePaths.contents(ofFile: path)
        } catch {
            throw Diagnostic.error(nil, "cannot read \(path): \(error.reason)")
        }
        let absolute = FilePaths.absolute(path)
        let site = IncludeSite(display: path, absolute: absolute)
        let documents = try parse(bytes, site: site, identity: identity(absolute))
        return YAMLFile(path: path, documents: documents.map(\.node))
    }

    /// Loads YAML held in memory; `displayName` is used in messages and as the base for relative includes.
    public func load(text: String, file displayName: String) throws(Diagnostic) -> YAMLFile {
        let absolute = FilePaths.absolute(displayName)
        let site = IncludeSite(display: displayName, absolute: absolute)
        let documents = try parse(Array(text.utf8), site: site, identity: identity(absolute))
        return YAMLFile(path: displayName, documents: documents.map(\.node))
    }

    private func parse(_ bytes: [UInt8], site: IncludeSite, identity: String) throws(Diagnostic) -> [Composer.Sized] {
        filesParsed += 1
        chain.append((identity, site.display))
        defer { chain.removeLast() }
        var composer = Composer(site: site, loader: self, maxAliasNodes: options.maxAliasNodes)
        try EventParser.parse(bytes, file: site.display, into: &composer)
        return composer.documents
    }

    // MARK: - Includes

    /// The root of the single document in the file `path` names (for `!include`), written at `location`,
    /// and the file's identity (its real path).
    func includeDocument(_ path: String, at location: SourceLocation, from site: IncludeSite) throws(Diagnostic)
        -> (document: Composer.Sized, identity: String)
    {
        let target = try resolve(path, tag: "!include", at: location, from: site)
        if let index = chain.firstIndex(where: { $0.identity == target.identity }) {
            let cycle = (chain[index...].map(\.display) + [target.site.display]).joined(separator: " -> ")
            throw Diagnostic.error(location, "include cycle: \(cycle)")
        }
        if let cached = documentCache[target.identity] { return (cached, target.identity) }
        let bytes = try read(target, at: location)
        let documents: [Composer.Sized]
        do {
            documents = try parse(bytes, site: target.site, identity: target.identity)
        } catch {
            var diagnostic = error
            diagnostic.notes.append("included from \(location)")
            throw diagnostic
        }
        guard documents.count == 1, let document = documents.first else {
            let found = documents.isEmpty ? "no document" : "\(documents.count) documents"
            throw Diagnostic.error(
                location, "\(target.site.display) has \(found); !include needs a file with exactly one YAML document")
        }
        documentCache[target.identity] = document
        return (document, target.identity)
    }

    /// The text of the file `path` names (for `!include-text`).
    func includeText(_ path: String, at location: SourceLocation, from site: IncludeSite) throws(Diagnostic) -> String {
        let target = try resolve(path, tag: "!include-text", at: location, from: site)
        if let cached = textCache[target.identity] { return cached }
        let text = String(decoding: try read(target, at: location), as: UTF8.self)
        textCache[target.identity] = text
        return text
    }

    private struct Target {
        var site: IncludeSite
        var identity: String
    }

    /// Where an include path leads, relative to the including file, refused when it leaves the root.
    private func resolve(_ path: String, tag: String, at location: SourceLocation, from site: IncludeSite)
        throws(Diagnostic) -> Target
    {
        guard !path.isEmpty else {
            throw Diagnostic.error(location, "\(tag) needs a file path, relative to \(site.display)")
        }
        let display = FilePaths.resolve(path, relativeTo: FilePaths.directory(of: site.display))
        let absolute = FilePaths.resolve(path, relativeTo: FilePaths.directory(of: site.absolute))
        let real = FilePaths.realPath(absolute)
        if let root, !options.allowIncludeOutside {
            // Checked lexically and after resolving symlinks, so a link inside the root cannot lead out of it.
            let inside = FilePaths.isInside(absolute, root: root.lexical)
                && real.map { FilePaths.isInside($0, root: root.real) } ?? true
            if !inside {
                throw Diagnostic.error(
                    location,
                    "\(tag) \(path) resolves to \(display), outside the manifest root \(options.root ?? root.lexical); "
                        + "move the file under the root or pass --allow-include-outside")
            }
        }
        return Target(site: IncludeSite(display: display, absolute: absolute), identity: real ?? absolute)
    }

    private func read(_ target: Target, at location: SourceLocation) throws(Diagnostic) -> [UInt8] {
        do {
            let bytes = try FilePaths.contents(ofFile: target.site.absolute)
            includedFiles.insert(target.site.display)
            return bytes
        } catch {
            let chainText = (chain.map(\.display) + [target.site.display]).joined(separator: " -> ")
            throw Diagnostic.error(
                location,
                "cannot read included file \(target.site.display): \(error.reason) (include chain: \(chainText))")
        }
    }

    private func identity(_ absolute: String) -> String {
        FilePaths.realPath(absolute) ?? absolute
    }
}
