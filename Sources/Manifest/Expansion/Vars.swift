import Diagnostics
import Expressions
import YAML

/// Where a var's value was set, from weakest to strongest.
public enum VarSource: Hashable, Sendable, CustomStringConvertible {
    case set(SourceLocation)
    /// The `default` of an input, in the set or the project file.
    case inputDefault(SourceLocation)
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
        case .inputDefault(let l): return "the input's default at \(l)"
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
        case .set(let l), .inputDefault(let l), .projectVarFile(let l, _), .environmentVars(_, let l), .varFile(let l): return l
        case .environment, .flag: return nil
        }
    }

    /// Where a value from this source is reported: its node in a file, or the flag or environment variable.
    func place(of node: Node) -> SourceLocation {
        switch self {
        case .flag(let name): return .named("--var \(name)")
        case .environment(let name): return .named(name)
        default: return node.location
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
    /// The declared inputs, by name: their values are checked as they are evaluated.
    private(set) var inputs: [String: InputDeclaration] = [:]
    /// The inputs' names in the order declared, the project's first.
    private(set) var inputNames: [String] = []
    private var states: [String: State] = [:]
    private var stack: [String] = []
    let diagnostics: DiagnosticCollector
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

    /// Declares an input; its default, when it has one, is its weakest definition.
    func declare(_ input: InputDeclaration) {
        if inputs[input.name] == nil { inputNames.append(input.name) }
        inputs[input.name] = input
        if let node = input.defaultValue { define(input.name, node: node, source: .inputDefault(node.location)) }
    }

    /// The var's value, or nil when the set has no such var.
    ///
    /// The vars it refers to are evaluated first, deepest first, by an explicit walk: a chain of vars referring to
    /// vars (`a: ${b}`, `b: ${c}`, ...) is as long as the set makes it, and never deepens the stack.
    func value(of name: String, at offset: Int) throws(ExpressionError) -> Value? {
        guard let definition = definitions[name] else { return nil }
        switch states[name] {
        case .done(let value)?:
            return value
        case .failed(let diagnostic)?:
            throw ExpressionError(offset: offset, message: "var '\(name)' has an error (reported at \(Self.place(of: diagnostic, definition)))")
        case .evaluating?:
            let cycle = (stack.drop { $0 != name } + [name]).joined(separator: " -> ")
            throw ExpressionError(offset: offset, message: "vars refer to each other in a cycle: \(cycle)")
        case nil:
            break
        }
        evaluateWithReferences(name)
        if case .done(let value)? = states[name] { return value }
        return try value(of: name, at: offset)  // the walk left it failed: this throws its error
    }

    /// Where the error of a var that failed was reported: at the error when it has a position, else at the var.
    private static func place(of diagnostic: Diagnostic?, _ definition: Definition) -> String {
        guard let diagnostic else { return definition.node.location.description }
        return diagnostic.location.map(\.description) ?? "its definition"
    }

    /// Evaluates `root` and, before it, every var it refers to that is not evaluated yet, each after those it
    /// refers to. The vars being walked are marked `evaluating` and kept in `stack`, as a recursive evaluation
    /// would: a var that refers back to one of them meets it there, and the cycle is reported as one.
    private func evaluateWithReferences(_ root: String) {
        var walk: [(name: String, pending: [String], refersToVars: Bool)] = []
        func enter(_ name: String) {
            states[name] = .evaluating
            stack.append(name)
            let references = references(of: name)
            walk.append((name, references.reversed(), !references.isEmpty))
        }
        enter(root)
        while let top = walk.indices.last {
            if let next = walk[top].pending.popLast() {
                if states[next] == nil { enter(next) }
                continue
            }
            let (name, _, refersToVars) = walk.removeLast()
            states[name] = evaluate(name, refersToVars: refersToVars)
            stack.removeLast()
        }
    }

    /// The vars `name`'s definition refers to, in the order written; expressions that do not parse refer to
    /// nothing here (compiling them reports why).
    private func references(of name: String) -> [String] {
        guard let definition = definitions[name] else { return [] }
        var names: [String] = []
        func collect(_ node: Node) {
            switch node.content {
            case .scalar(let scalar):
                guard node.tag != "!include-text", case .string(let text) = scalar.value,
                      let parts = try? ScalarTemplate.split(text) else { return }
                for case .expression(let syntax, _) in parts { ScalarTemplate.collectReferences(syntax, into: &names) }
            case .sequence(let items):
                for item in items { collect(item) }
            case .mapping(let pairs):
                for pair in pairs {
                    collect(pair.key)
                    collect(pair.value)
                }
            }
        }
        collect(definition.node)
        return names.filter { definitions[$0] != nil }
    }

    /// Evaluates one var, then checks an input's value against its type and marks a sensitive input's value secret.
    private func evaluate(_ name: String, refersToVars: Bool) -> State {
        let state = evaluateDefinition(name, refersToVars: refersToVars)
        guard case .done(let value) = state, let input = inputs[name], let definition = definitions[name] else { return state }
        if let problem = InputCheck.typeProblem(of: value, for: input, given: definition.node, by: definition.source) {
            diagnostics.add(problem)
            return .failed(problem)
        }
        return .done(input.isSensitive ? Value.secret(value) : value)
    }

    /// Compiles and evaluates one var whose references are evaluated (or being walked); reports its errors.
    private func evaluateDefinition(_ name: String, refersToVars: Bool) -> State {
        guard let definition = definitions[name] else { return .failed(nil) }
        var varScope = scope
        varScope.allowsTaskNames = false
        varScope.taskNamesUnavailableReason = "in vars (vars belong to the set, not to one task)"
        let compiler = TreeCompiler(scope: varScope, layer: .value, foldsConstants: true, diagnostics: diagnostics)
        let before = diagnostics.errorCount
        guard let tree = compiler.compile(definition.node), diagnostics.errorCount == before else {
            return .failed(nil)
        }
        let value: Value
        do {
            value = try tree.evaluate(EvaluationContext(slots: [], taskKey: nil, taskAddress: nil))
        } catch {
            diagnostics.add(error)
            return .failed(error)
        }
        // A var written as YAML around references to vars (`[${a}, ${a}]`) is a value made from expressions too,
        // and a chain of them can double a value at each step: it is measured whole. A scalar's expression measured
        // what it made as it made it, and YAML without references is data as written.
        if case .scalar = definition.node.content { return .done(value) }
        guard refersToVars else { return .done(value) }
        let measure = ValueSize.measure(value)
        guard measure.isWithinLimits else {
            let problem = measure.size > ValueSize.limit
                ? "is larger than \(ValueSize.limitDescription), the limit on a value an expression makes"
                : "nests more than \(ValueSize.maxDepth) levels deep"
            let diagnostic = Diagnostic.error(definition.node.location, "var '\(name)' \(problem)")
            diagnostics.add(diagnostic)
            return .failed(diagnostic)
        }
        return .done(value)
    }
}
