import Diagnostics
import Foundation
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
    public var parallelism: Int?
    public var timeout: Double?
    public var language: String?
    public var culture: String?
    public var timeZone: String?
    /// The name of the environment variable that holds the SO-AppToken (the token itself never sits in a file).
    public var appTokenVariable: String?

    public init() {}

    /// A key of the Project document; `load` reads the document by these, `ManifestSchema` describes them.
    public enum Key: String, CaseIterable, Sendable {
        case apiVersion, kind, endpoint, state, manifests, varFiles, parallelism, headers, timeout

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
            case .timeZone: return "sent as SO-TimeZone; dates the server writes without an offset are read in it when it is UTC or a fixed offset"
            case .appToken: return "the environment variable that holds the SO-AppToken, as ${env.NAME}; a token written into the file would leak through git"
            }
        }
    }

    private static let keys = Key.allCases.map(\.rawValue)
    private static let headerKeys = HeaderKey.allCases.map(\.rawValue)

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
        func text(_ node: Node, _ name: String) -> String? {
            guard let scalar = node.scalar, case .string(let s) = scalar.value else {
                errors.append(.error(node.location, "\(name) must be text, not \(node.kindName)"))
                return nil
            }
            return s
        }
        func texts(_ node: Node, _ name: String) -> [String] {
            if let items = node.sequence { return items.compactMap { text($0, name) } }
            return text(node, name).map { [$0] } ?? []
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
            case .manifests: project.manifests = texts(pair.value, key)
            case .varFiles: project.varFiles = texts(pair.value, key)
            case .parallelism:
                if let n = number(pair.value, key) {
                    if n >= 1 && n <= 1024 && n == n.rounded() { project.parallelism = Int(n) } else {
                        errors.append(.error(pair.value.location, "parallelism must be a whole number from 1 to 1024"))
                    }
                }
            case .timeout:
                if let n = number(pair.value, key) {
                    if n > 0 { project.timeout = n } else { errors.append(.error(pair.value.location, "timeout is in seconds and must be more than 0")) }
                }
            case .headers:
                guard let headers = pair.value.mappingPairs else {
                    errors.append(.error(pair.value.location, "headers is a mapping of \(headerKeys.joined(separator: ", "))"))
                    continue
                }
                for header in headers {
                    let name = header.key.scalar?.text ?? ""
                    guard let headerKey = HeaderKey(rawValue: name) else {
                        errors.append(.error(header.key.location, "unknown header setting '\(name)'\(Suggestion.hint(for: name, in: headerKeys)) (known: \(headerKeys.joined(separator: ", ")))"))
                        continue
                    }
                    switch headerKey {
                    case .language: project.language = text(header.value, name)
                    case .culture: project.culture = text(header.value, name)
                    case .timeZone: project.timeZone = text(header.value, name)
                    case .appToken:
                        guard let reference = text(header.value, name) else { continue }
                        if let variable = environmentReference(reference) {
                            project.appTokenVariable = variable
                        } else {
                            errors.append(.error(header.value.location, "appToken must name an environment variable, as in appToken: ${env.SO_APP_TOKEN}; a token written into the file would leak through git"))
                        }
                    }
                }
            }
        }
        if !errors.isEmpty { throw DiagnosticList(errors) }
        return project
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
