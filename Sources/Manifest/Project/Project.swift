import Diagnostics
import Foundation
import Schedule
import YAML

/// The project file `batchctl.yaml`: defaults for flags, so a team's settings live in git beside the manifests.
public struct Project: Sendable {
    public static let fileName = "batchctl.yaml"

    public var file: String?
    public var endpoint: String?
    /// Where `endpoint` was written, for an error about its value.
    public var endpointLocation: SourceLocation?
    public var state: String?
    public var manifests: [String] = ["."]
    public var varFiles: [String] = []
    /// Inputs declared for every set of the project.
    public var inputs: [InputDeclaration] = []
    /// Where each path of `manifests` and of the `varFiles` (the project's and its environments') is written, for
    /// an error about the file it names.
    public var pathLocations: [String: SourceLocation] = [:]
    public var parallelism: Int?
    public var timeout: Double?
    public var language: String?
    public var culture: String?
    public var timeZone: String?
    /// The name of the environment variable that holds the SO-AppToken (the token itself never sits in a file).
    public var appTokenVariable: String?
    /// The `environments`, in the order written.
    public var environments: [ProjectEnvironment] = []
    /// Where `environments` is written.
    public var environmentsLocation: SourceLocation?
    /// The environment this run works in (`--env`); where it sets an endpoint or parallelism, `endpoint`,
    /// `endpointLocation` and `parallelism` already hold its values.
    public private(set) var environment: ProjectEnvironment?

    public init() {}

    /// A key of the Project document; `load` reads the document by these, `ManifestSchema` describes them.
    public enum Key: String, CaseIterable, Sendable {
        case apiVersion, kind, endpoint, state, manifests, varFiles, inputs, parallelism, headers, timeout, environments

        public var summary: String {
            switch self {
            case .apiVersion: return DocumentKind.apiVersion
            case .kind: return "Project: the project file batchctl.yaml in the working directory"
            case .endpoint: return "the API base URL, or embedded (the emulator inside the process); --endpoint and BATCHCTL_ENDPOINT beat it"
            case .state: return "the state file's path (default batchctl.state.json); --state and BATCHCTL_STATE beat it"
            case .manifests: return "manifest files or directories read without -f (default .)"
            case .varFiles: return "var files read before any --var-file"
            case .inputs: return "typed vars declared for every task set, as a TaskSet's inputs are; a set cannot declare the same name again"
            case .parallelism: return "how many requests apply sends at once, 1 to 1024 (default 10)"
            case .headers: return "request headers: language, culture, timeZone, and appToken by environment reference"
            case .timeout: return "seconds one attempt of a request may take, from sending until the whole answer is read"
            case .environments: return "named environments chosen with --env (or BATCHCTL_ENV): each with its varFiles, vars, endpoint and parallelism, and a state of its own"
            }
        }
    }

    /// A key of the project's `headers`.
    public enum HeaderKey: String, CaseIterable, Sendable {
        case language, culture, timeZone, appToken

        public var summary: String {
            switch self {
            case .language: return "sent as Accept-Language and SO-Language"
            case .culture: return "sent as SO-Culture"
            case .timeZone: return "sent as SO-TimeZone with includeTZOffset (default UTC): a SuperOffice code or id (NO, US-NY, 261), an IANA name or an offset; a date the server writes without an offset is read in it"
            case .appToken: return "the environment variable that holds the SO-AppToken, as ${env.NAME}; a token written into the file would leak through git"
            }
        }
    }

    /// Reads `batchctl.yaml` from the working directory; a missing file gives the defaults.
    public static func load(directory: String = ".") throws(DiagnosticList) -> Project {
        let path = directory == "." ? fileName : directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return Project() }
        let file: YAMLFile
        do {
            file = try Loader(options: LoaderOptions(root: directory)).load(file: path)
        } catch {
            throw DiagnosticList([error])
        }
        var errors: [Diagnostic] = []
        let projects = file.documents.filter { $0["kind"]?.scalar?.text == DocumentKind.project.rawValue }
        for extra in projects.dropFirst() {
            errors.append(.error(extra.location, "a second Project document in \(path): one project file holds one Project",
                                 notes: projects.first.map { ["the first is at \($0.location)"] } ?? []))
        }
        guard let document = projects.first, let pairs = document.mappingPairs else {
            throw DiagnosticList([.error(SourceLocation(file: path, line: 1, column: 1),
                                         "\(path) has no document with apiVersion: batchctl/v1 and kind: Project")])
        }
        if document["apiVersion"]?.scalar?.text != DocumentKind.apiVersion {
            errors.append(.error(document.location, "the project document needs apiVersion: \(DocumentKind.apiVersion)"))
        }
        var project = Project()
        project.file = path
        var reader = ProjectReader(project: project, errors: errors)
        for pair in pairs { reader.read(pair) }
        if !reader.errors.isEmpty { throw DiagnosticList(reader.errors) }
        return reader.project
    }

    /// The project as a run in the environment `name` sees it, or as a run without one (`name` nil); `given` says
    /// where the name came from (`--env`, or `BATCHCTL_ENV`), for the messages.
    ///
    /// A project that declares environments refuses a run without one, so that nothing is planned or applied
    /// against a state that belongs to no environment, or with another environment's settings left out.
    public func choosing(environment name: String?, given: String = "--env") throws(DiagnosticList) -> Project {
        let names = environments.map(\.name)
        let file = self.file ?? Self.fileName
        let flag = name.map { "\(given)\(given.hasPrefix("-") ? " " : "=")\($0)" } ?? given
        guard let name else {
            guard !environments.isEmpty else { return self }
            throw DiagnosticList([.error(environmentsLocation,
                "\(file) declares the environments \(names.joined(separator: ", ")): choose one with --env NAME (or BATCHCTL_ENV); each has its own settings and state")])
        }
        guard !environments.isEmpty else {
            let reason = self.file == nil ? "there is no \(Self.fileName) here to declare environments" : "\(file) declares no environments"
            throw DiagnosticList([.error(nil, "\(flag): \(reason)")])
        }
        guard let chosen = environments.first(where: { $0.name == name }) else {
            throw DiagnosticList([.error(nil,
                "\(flag): no such environment\(Suggestion.hint(for: name, in: names)) (\(file) declares \(names.joined(separator: ", ")))",
                notes: environmentsLocation.map { ["the environments are declared at \($0)"] } ?? [])])
        }
        var project = self
        project.environment = chosen
        if let endpoint = chosen.endpoint {
            project.endpoint = endpoint
            project.endpointLocation = chosen.endpointLocation
        }
        project.parallelism = chosen.parallelism ?? parallelism
        return project
    }

    /// Why `name` cannot name an environment, or nil. The name becomes part of a state file's name, so it is kept
    /// to characters that are safe in one on every system, in one case only (macOS file names ignore case).
    static func environmentNameProblem(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard allowed, name.utf8.count <= 63, let first = name.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "_") else {
            let lowered = name.lowercased()
            let hint = lowered != name && environmentNameProblem(lowered) == nil ? "; did you mean \(lowered)?" : ""
            return "environment name '\(name)' must be 1 to 63 lowercase letters, digits, '-' and '_', starting with a letter or digit\(hint) (it names the environment's state file)"
        }
        // The workspace of a run without --env (state.md).
        if name == "default" {
            return "'default' is the workspace of a run without --env; give the environment another name"
        }
        return nil
    }

    /// What `environmentReference` accepts, as a regular expression, for `ManifestSchema`.
    static let environmentReferencePattern = #"^[ \t]*\$\{env\.[\p{L}\p{N}_]+\}[ \t]*$"#

    /// `NAME` from `${env.NAME}`, or nil.
    static func environmentReference(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("${env."), trimmed.hasSuffix("}") else { return nil }
        let name = trimmed.dropFirst(6).dropLast()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(name)
    }
}

extension Project {
    /// The zone requests are made in (`headers.timeZone`, UTC by default): sent as SO-TimeZone, and the zone a date
    /// the server writes without an offset is read in.
    public var requestTimeZone: SuperOfficeTimeZone {
        timeZone.flatMap(SuperOfficeTimeZone.init) ?? .utc
    }
}
