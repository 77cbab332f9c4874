import Diagnostics
import Schedule
import YAML

/// Reads the settings of the Project document into a `Project`, one by one, keeping every error so that one
/// run reports them all.
struct ProjectReader {
    private(set) var project: Project
    private(set) var errors: [Diagnostic]

    init(project: Project, errors: [Diagnostic] = []) {
        self.project = project
        self.errors = errors
    }

    private static let keys = Project.Key.allCases.map(\.rawValue)
    private static let headerKeys = Project.HeaderKey.allCases.map(\.rawValue)
    private static let environmentKeys = ["varFiles", "vars", "endpoint", "parallelism"]

    /// One setting of the document.
    mutating func read(_ pair: Node.Pair) {
        let key = pair.key.scalar?.text ?? ""
        guard let known = Project.Key(rawValue: key) else {
            errors.append(.error(pair.key.location, "unknown project setting '\(key)'\(Suggestion.hint(for: key, in: Self.keys)) (known: \(Self.keys.dropFirst(2).joined(separator: ", ")))"))
            return
        }
        switch known {
        case .apiVersion, .kind: break
        case .endpoint:
            project.endpoint = text(pair.value, key)
            project.endpointLocation = pair.value.location
        case .state: project.state = text(pair.value, key)
        case .manifests: project.manifests = paths(pair.value, key)
        case .varFiles: project.varFiles = paths(pair.value, key)
        case .inputs:
            let reader = InputReader(pair.value)
            project.inputs = reader.inputs
            errors += reader.errors
        case .parallelism: project.parallelism = parallelism(pair.value)
        case .environments:
            guard let environments = pair.value.mappingPairs, !environments.isEmpty else {
                errors.append(.error(pair.value.location, "environments is a mapping of environment names to their settings (\(Self.environmentKeys.joined(separator: ", "))), as in environments: {dev: {varFiles: [env/dev.yaml]}}"))
                return
            }
            project.environmentsLocation = pair.key.location
            var read: [ProjectEnvironment] = []
            for environment in environments {
                if let environment = readEnvironment(environment) { read.append(environment) }
            }
            project.environments = read
        case .timeout:
            if let n = number(pair.value, key) {
                if n > 0 { project.timeout = n } else { errors.append(.error(pair.value.location, "timeout is in seconds and must be more than 0")) }
            }
        case .headers:
            readHeaders(pair.value)
        }
    }

    /// A scalar's text, or an error at it.
    private mutating func text(_ node: Node, _ name: String) -> String? {
        guard let scalar = node.scalar, case .string(let s) = scalar.value else {
            errors.append(.error(node.location, "\(name) must be text, not \(node.kindName)"))
            return nil
        }
        return s
    }

    /// Paths, each remembered with where it is written.
    private mutating func paths(_ node: Node, _ name: String) -> [String] {
        var paths: [String] = []
        for item in node.sequence ?? [node] {
            guard let path = text(item, name) else { continue }
            if project.pathLocations[path] == nil { project.pathLocations[path] = item.location }
            paths.append(path)
        }
        return paths
    }

    private mutating func number(_ node: Node, _ name: String) -> Double? {
        switch node.value {
        case .int(let i)?: return Double(i)
        case .float(let d)?: return d
        default:
            errors.append(.error(node.location, "\(name) must be a number, not \(node.kindName)"))
            return nil
        }
    }

    private mutating func parallelism(_ node: Node) -> Int? {
        guard let n = number(node, "parallelism") else { return nil }
        guard n >= 1 && n <= 1024 && n == n.rounded() else {
            errors.append(.error(node.location, "parallelism must be a whole number from 1 to 1024"))
            return nil
        }
        return Int(n)
    }

    private mutating func readEnvironment(_ pair: Node.Pair) -> ProjectEnvironment? {
        guard let name = text(pair.key, "an environment name") else { return nil }
        if let problem = Project.environmentNameProblem(name) {
            errors.append(.error(pair.key.location, problem))
            return nil
        }
        var environment = ProjectEnvironment(name: name, location: pair.key.location)
        if pair.value.isNull { return environment }
        guard let settings = pair.value.mappingPairs else {
            errors.append(.error(pair.value.location, "environment \(name) is a mapping of \(Self.environmentKeys.joined(separator: ", ")), not \(pair.value.kindName)"))
            return nil
        }
        for setting in settings { read(setting, into: &environment) }
        return environment
    }

    /// One setting of an environment.
    private mutating func read(_ setting: Node.Pair, into environment: inout ProjectEnvironment) {
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
                return
            }
            for variable in vars {
                guard let varName = text(variable.key, "a var name") else { continue }
                environment.vars.append(VarOverride(
                    name: varName, node: variable.value, source: .environmentVars(environment.name, variable.key.location)))
            }
        case "state":
            errors.append(.error(setting.key.location, "state is a project setting: each environment keeps its own state, its workspace, beside the project's state file and named after the environment"))
        default:
            errors.append(.error(setting.key.location, "unknown setting '\(key)' in environment \(environment.name)\(Suggestion.hint(for: key, in: Self.environmentKeys)) (known: \(Self.environmentKeys.joined(separator: ", ")))"))
        }
    }

    /// The project's `headers`: language, culture, a SuperOffice time zone, and the app token by reference.
    private mutating func readHeaders(_ node: Node) {
        guard let headers = node.mappingPairs else {
            errors.append(.error(node.location, "headers is a mapping of \(Self.headerKeys.joined(separator: ", "))"))
            return
        }
        for header in headers {
            let name = header.key.scalar?.text ?? ""
            guard let headerKey = Project.HeaderKey(rawValue: name) else {
                errors.append(.error(header.key.location, "unknown header setting '\(name)'\(Suggestion.hint(for: name, in: Self.headerKeys)) (known: \(Self.headerKeys.joined(separator: ", ")))"))
                continue
            }
            switch headerKey {
            case .language: project.language = text(header.value, name)
            case .culture: project.culture = text(header.value, name)
            case .timeZone:
                guard let zone = text(header.value, name) else { continue }
                if let parsed = TimeZoneHeader(zone) {
                    project.timeZone = parsed.zone.name
                } else {
                    errors.append(.error(header.value.location, "timeZone '\(zone)' is not a SuperOffice time zone: use a code or id (\(SuperOfficeTimeZone.knownList)), an IANA name such as Europe/Oslo, or an offset such as +02:00"))
                }
            case .appToken:
                guard let reference = text(header.value, name) else { continue }
                if let variable = Project.environmentReference(reference) {
                    project.appTokenVariable = variable
                } else {
                    errors.append(.error(header.value.location, "appToken must name an environment variable, as in appToken: ${env.SO_APP_TOKEN}; a token written into the file would leak through git"))
                }
            }
        }
    }
}
