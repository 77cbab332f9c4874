import Diagnostics
import YAML

/// Where a var's value was set, from weakest to strongest.
public enum VarSource: Hashable, Sendable, CustomStringConvertible {
    case set(SourceLocation)
    /// A var file the project file names: its own `varFiles` (environment nil), or the chosen environment's.
    case projectVarFile(SourceLocation, environment: String?)
    /// The chosen environment's `vars` in the project file: the environment's name, and where the var is written.
    case environmentVars(String, SourceLocation)
    case varFile(SourceLocation)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .set(let l): return "the set's vars at \(l)"
        case .projectVarFile(let l, nil): return "the project's var file at \(l)"
        case .projectVarFile(let l, let environment?): return "environment \(environment)'s var file at \(l)"
        case .environmentVars(let environment, let l): return "environment \(environment)'s vars at \(l)"
        case .varFile(let l): return "--var-file at \(l)"
        case .environment(let name): return "environment variable \(name)"
        case .flag(let name): return "--var \(name)"
        }
    }

    /// Where the value is written, when it is written in a file.
    public var location: SourceLocation? {
        switch self {
        case .set(let l), .projectVarFile(let l, _), .environmentVars(_, let l), .varFile(let l): return l
        case .environment, .flag: return nil
        }
    }
}

/// A value given from outside the manifests: the project's var files and its environment's vars, `--var-file`,
/// `BATCHCTL_VAR_*`, `--var`.
public struct VarOverride: Sendable {
    public var name: String
    public var node: Node
    public var source: VarSource

    public init(name: String, node: Node, source: VarSource) {
        self.name = name
        self.node = node
        self.source = source
    }
}

/// The vars of one task set, evaluated lazily on first use so that vars may refer to each other in any order.
final class VarTable {
    struct Definition {
        var node: Node
        var source: VarSource
        /// Weaker definitions this one replaced, for `explain`.
        var overrides: [VarSource]
    }

    private enum State {
        case evaluating
        case done(Value)
        case failed(Diagnostic?)
    }

    private(set) var definitions: [String: Definition] = [:]
    private var states: [String: State] = [:]
    private var stack: [String] = []
    private let diagnostics: DiagnosticCollector
    private let setName: String
    private let environment: [String: String]

    init(setName: String, environment: [String: String], diagnostics: DiagnosticCollector) {
        self.setName = setName
        self.environment = environment
        self.diagnostics = diagnostics
    }

    /// Names as the set sees them: its vars, `env.*` and `set.name`; no matrix, no `task.*`.
    var scope: NameScope {
        NameScope(
            setName: setName, environment: environment,
            lookUpVar: { [unowned self] (name: String, offset: Int) throws(ExpressionError) -> Value? in
                try self.value(of: name, at: offset)
            },
            varNames: { [unowned self] in self.names })
    }

    func define(_ name: String, node: Node, source: VarSource) {
        var overrides: [VarSource] = []
        if let existing = definitions[name] { overrides = existing.overrides + [existing.source] }
        definitions[name] = Definition(node: node, source: source, overrides: overrides)
    }

    var names: [String] { Array(definitions.keys) }

    /// The var's value, or nil when the set has no such var.
    func value(of name: String, at offset: Int) throws(ExpressionError) -> Value? {
        guard let definition = definitions[name] else { return nil }
        switch states[name] {
        case .done(let value)?:
            return value
        case .failed?:
            throw ExpressionError(offset: offset, message: "var '\(name)' has an error (reported at \(definition.node.location))")
        case .evaluating?:
            let cycle = (stack.drop { $0 != name } + [name]).joined(separator: " -> ")
            throw ExpressionError(offset: offset, message: "vars refer to each other in a cycle: \(cycle)")
        case nil:
            break
        }
        states[name] = .evaluating
        stack.append(name)
        defer { stack.removeLast() }
        var varScope = scope
        varScope.allowsTaskNames = false
        varScope.taskNamesUnavailableReason = "in vars (vars belong to the set, not to one task)"
        let compiler = TreeCompiler(scope: varScope, layer: .value, foldsConstants: true, diagnostics: diagnostics)
        let before = diagnostics.errorCount
        guard let tree = compiler.compile(definition.node), diagnostics.errorCount == before else {
            states[name] = .failed(nil)
            throw ExpressionError(offset: offset, message: "var '\(name)' has an error (reported at \(definition.node.location))")
        }
        do {
            let value = try tree.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil))
            states[name] = .done(value)
            return value
        } catch {
            diagnostics.add(error)
            states[name] = .failed(error)
            throw ExpressionError(offset: offset, message: "var '\(name)' has an error (reported at \(error.location.map(\.description) ?? "its definition"))")
        }
    }
}
