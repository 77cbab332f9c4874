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
        case apiVersion, kind, endpoint, state, manifests, varFiles, parallelism, headers, timeout, environments

        public var summary: String {
            switch self {
            case .apiVersion: return DocumentKind.apiVersion
            case .kind: return "Project: the project file batchctl.yaml in the working directory"
            case .endpoint: return "the API base URL, or embedded (the emulator inside the process); --endpoint and BATCHCTL_ENDPOINT beat it"
            case .state: return "the state file's path (default batchctl.state.json); --state and BATCHCTL_STATE beat it"
            case .manifests: return "manifest files or directories read without -f (default .)"
            case .varFiles: return "var files read before any --var-file"
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

    private static let keys = Key.allCases.map(\.rawValue)
    private static let headerKeys = HeaderKey.allCases.map(\.rawValue)
    private static let environmentKeys = ["varFiles", "vars", "endpoint", "parallelism"]

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
        var project = Project()
        project.file = path
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
        func text(_ node: Node, _ name: String) -> String? { Self.text(node, name, &errors) }
        func texts(_ node: Node, _ name: String) -> [String] {
            if let items = node.sequence { return items.compactMap { text($0, name) } }
            return text(node, name).map { [$0] } ?? []
        }
        /// Paths, each remembered with where it is written.
        func paths(_ node: Node, _ name: String) -> [String] {
            let items = node.sequence ?? [node]
            return items.compactMap { item in
                guard let path = text(item, name) else { return nil }
                if project.pathLocations[path] == nil { project.pathLocations[path] = item.location }
                return path
            }
        }
        func number(_ node: Node, _ name: String) -> Double? {
            switch node.value {
            case .int(let i)?: return Double(i)
            case .float(let d)?: return d
            default:
                errors.append(.error(node.location, "\(name) must be a number, not \(node.kindName)"))
                return nil
            }
        }
        func parallelism(_ node: Node) -> Int? {
            guard let n = number(node, "parallelism") else { return nil }
            guard n >= 1 && n <= 1024 && n == n.rounded() else {
                errors.append(.error(node.location, "parallelism must be a whole number from 1 to 1024"))
                return nil
            }
            return Int(n)
        }
        func readEnvironment(_ pair: Node.Pair) -> ProjectEnvironment? {
            guard let name = text(pair.key, "an environment name") else { return nil }
            if let problem = environmentNameProblem(name) {
                errors.append(.error(pair.key.location, problem))
                return nil
            }
            var environment = ProjectEnvironment(name: name, location: pair.key.location)
            if pair.value.isNull { return environment }
            guard let settings = pair.value.mappingPairs else {
                errors.append(.error(pair.value.location, "environment \(name) is a mapping of \(environmentKeys.joined(separator: ", ")), not \(pair.value.kindName)"))
                return nil
            }
            for setting in settings {
                let key = setting.key.scalar?.text ?? ""
                switch key {
                case "varFiles": environment.varFiles = paths(setting.value, key)
                case "endpoint":
                    environment.endpoint = text(setting.value, key)
                    environment.endpointLocation = setting.value.location
                case "parallelism": environment.parallelism = parallelism(setting.value)
                case "vars":
                    guard let vars = setting.value.mappingPairs else {
                        errors.append(.error(setting.value.location, "vars is a mapping of var names to values, not \(setting.value.kindName)"))
                        continue
                    }
                    for variable in vars {
                        guard let varName = text(variable.key, "a var name") else { continue }
                        environment.vars.append(VarOverride(
                            name: varName, node: variable.value, source: .environmentVars(name, variable.key.location)))
                    }
                case "state":
                    errors.append(.error(setting.key.location, "state is a project setting: each environment keeps its own state, its workspace, beside the project's state file and named after the environment"))
                default:
                    errors.append(.error(setting.key.location, "unknown setting '\(key)' in environment \(name)\(Suggestion.hint(for: key, in: environmentKeys)) (known: \(environmentKeys.joined(separator: ", ")))"))
                }
            }
            return environment
        }
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            guard let known = Key(rawValue: key) else {
                errors.append(.error(pair.key.location, "unknown project setting '\(key)'\(Suggestion.hint(for: key, in: keys)) (known: \(keys.dropFirst(2).joined(separator: ", ")))"))
                continue
            }
            switch known {
            case .apiVersion, .kind: break
            case .endpoint:
                project.endpoint = text(pair.value, key)
                project.endpointLocation = pair.value.location
            case .state: project.state = text(pair.value, key)
            case .manifests: project.manifests = paths(pair.value, key)
            case .varFiles: project.varFiles = paths(pair.value, key)
            case .parallelism: project.parallelism = parallelism(pair.value)
            case .environments:
                guard let environments = pair.value.mappingPairs, !environments.isEmpty else {
                    errors.append(.error(pair.value.location, "environments is a mapping of environment names to their settings (\(environmentKeys.joined(separator: ", "))), as in environments: {dev: {varFiles: [env/dev.yaml]}}"))
                    continue
                }
                project.environmentsLocation = pair.key.location
                project.environments = environments.compactMap(readEnvironment)
            case .timeout:
                if let n = number(pair.value, key) {
                    if n > 0 { project.timeout = n } else { errors.append(.error(pair.value.location, "timeout is in seconds and must be more than 0")) }
                }
            case .headers:
                readHeaders(pair.value, into: &project, errors: &errors)
            }
        }
        if !errors.isEmpty { throw DiagnosticList(errors) }
        return project
    }

    /// The project's `headers`: language, culture, a SuperOffice time zone, and the app token by reference.
    private static func readHeaders(_ node: Node, into project: inout Project, errors: inout [Diagnostic]) {
        guard let headers = node.mappingPairs else {
            errors.append(.error(node.location, "headers is a mapping of \(headerKeys.joined(separator: ", "))"))
            return
        }
        for header in headers {
            let name = header.key.scalar?.text ?? ""
            guard let headerKey = HeaderKey(rawValue: name) else {
                errors.append(.error(header.key.location, "unknown header setting '\(name)'\(Suggestion.hint(for: name, in: headerKeys)) (known: \(headerKeys.joined(separator: ", ")))"))
                continue
            }
            switch headerKey {
            case .language: project.language = text(header.value, name, &errors)
            case .culture: project.culture = text(header.value, name, &errors)
            case .timeZone:
                guard let zone = text(header.value, name, &errors) else { continue }
                if let parsed = TimeZoneHeader(zone) {
                    project.timeZone = parsed.zone.name
                } else {
                    errors.append(.error(header.value.location, "timeZone '\(zone)' is not a SuperOffice time zone: use a code or id (\(SuperOfficeTimeZone.knownList)), an IANA name such as Europe/Oslo, or an offset such as +02:00"))
                }
            case .appToken:
                guard let reference = text(header.value, name, &errors) else { continue }
                if let variable = environmentReference(reference) {
                    project.appTokenVariable = variable
                } else {
                    errors.append(.error(header.value.location, "appToken must name an environment variable, as in appToken: ${env.SO_APP_TOKEN}; a token written into the file would leak through git"))
                }
            }
        }
    }

    /// A scalar's text, or an error at it.
    private static func text(_ node: Node, _ name: String, _ errors: inout [Diagnostic]) -> String? {
        guard let scalar = node.scalar, case .string(let s) = scalar.value else {
            errors.append(.error(node.location, "\(name) must be text, not \(node.kindName)"))
            return nil
        }
        return s
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

/// One of the project's `environments`: the var files, vars, endpoint and parallelism a run with `--env` takes,
/// and the name of its own state (its workspace).
public struct ProjectEnvironment: Sendable {
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
    /// Var files, weakest first; they beat the project's own `varFiles`.
    public var varFiles: [String] = []
    /// Values for vars, as a var file would give them; they beat every var file the project names.
    public var vars: [VarOverride] = []
    public var endpoint: String?
    public var endpointLocation: SourceLocation?
    public var parallelism: Int?

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}
