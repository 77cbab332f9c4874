import Diagnostics

/// Resolves the names an expression may use, at compile time.
package struct NameScope {
    /// Matrix values of the task entry being compiled, by name; they shadow vars.
    package var slots: [String: Int] = [:]
    /// Whether `task.key` and `task.address` exist here (they do in fields, not in keys, vars or matrix axes).
    package var allowsTaskNames = false
    /// Why `task.*` is unavailable, for the error message.
    package var taskNamesUnavailableReason = "here"
    /// Whether `run.*` may be used: only in a task's fields, which are evaluated again when a run starts.
    package var allowsRunNames = false
    package var setName: String
    package var environment: [String: String]
    /// The value of a var, evaluated on first use; nil when no var has that name.
    package var lookUpVar: (String, Int) throws(ExpressionError) -> Value?
    package var varNames: () -> [String]

    package init(slots: [String: Int] = [:], allowsTaskNames: Bool = false, taskNamesUnavailableReason: String = "here",
                 setName: String, environment: [String: String],
                 lookUpVar: @escaping (String, Int) throws(ExpressionError) -> Value?, varNames: @escaping () -> [String]) {
        self.slots = slots
        self.allowsTaskNames = allowsTaskNames
        self.taskNamesUnavailableReason = taskNamesUnavailableReason
        self.setName = setName
        self.environment = environment
        self.lookUpVar = lookUpVar
        self.varNames = varNames
    }
}

/// Compiles syntax once per scalar. `compile` recurses once per level of the tree, which the parser bounds; each
/// kind of node is compiled by a function of its own, so that what stays on the stack per level is small.
package enum Compiler {
    package static func compile(_ syntax: Syntax, in scope: NameScope) throws(ExpressionError) -> Compiled {
        switch syntax {
        case .literal(let value, _):
            return .constant(value)
        case .list(let items, let offset):
            return try list(items, offset: offset, in: scope)
        case .map(let entries, let offset):
            return try map(entries, offset: offset, in: scope)
        case .name(let name, let offset):
            return try resolve(name, offset: offset, in: scope)
        case .member(let base, let member, let offset):
            return try self.member(base, member, offset: offset, in: scope)
        case .index(let base, let index, let offset):
            return fold(.index(try compile(base, in: scope), try compile(index, in: scope), offset: offset))
        case .call(let name, let arguments, let offset):
            return try call(name, arguments, offset: offset, in: scope)
        case .unary(let op, let operand, let offset):
            return fold(.unary(op, try compile(operand, in: scope), offset: offset))
        case .binary(let op, let left, let right, let offset):
            return fold(.binary(op, try compile(left, in: scope), try compile(right, in: scope), offset: offset))
        case .conditional(let condition, let whenTrue, let whenFalse, let offset):
            return fold(.conditional(
                try compile(condition, in: scope), try compile(whenTrue, in: scope), try compile(whenFalse, in: scope),
                offset: offset))
        }
    }

    private static func list(_ items: [Syntax], offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        var compiled: [Compiled] = []
        compiled.reserveCapacity(items.count)
        for item in items { compiled.append(try compile(item, in: scope)) }
        return fold(.list(compiled, offset: offset))
    }

    private static func map(
        _ entries: [(key: Syntax, value: Syntax)], offset: Int, in scope: NameScope
    ) throws(ExpressionError) -> Compiled {
        var compiled: [(key: Compiled, value: Compiled, offset: Int)] = []
        compiled.reserveCapacity(entries.count)
        for entry in entries {
            compiled.append((try compile(entry.key, in: scope), try compile(entry.value, in: scope), entry.key.offset))
        }
        return fold(.map(compiled, offset: offset))
    }

    /// `env.NAME`, `set.name` and `task.*` are names of their own (unless a matrix value shadows them); any other
    /// member is read from the value.
    private static func member(_ base: Syntax, _ member: String, offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        if case .name(let root, _) = base {
            switch root {
            case "env": return environment(member, offset: offset, in: scope)
            case "set" where scope.slots["set"] == nil: return try setMember(member, offset: offset, in: scope)
            case "task" where scope.slots["task"] == nil: return try taskMember(member, offset: offset, in: scope)
            // A matrix value or var named `run` keeps its meaning.
            case "run" where scope.slots["run"] == nil && !scope.varNames().contains("run"):
                return try runMember(member, offset: offset, in: scope)
            default: break
            }
        }
        return fold(.member(try compile(base, in: scope), member, offset: offset))
    }

    private static func environment(_ variable: String, offset: Int, in scope: NameScope) -> Compiled {
        if let value = scope.environment[variable] { return .constant(.string(value)) }
        return .missing(ExpressionError(
            offset: offset,
            message: "environment variable \(variable) is not set; set it, or write default(env.\(variable), \"fallback\")",
            isMissingValue: true))
    }

    private static func setMember(_ member: String, offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        guard member == "name" else {
            throw ExpressionError(offset: offset, message: "unknown name 'set.\(member)'; the set has only 'set.name'")
        }
        return .constant(.string(scope.setName))
    }

    private static func taskMember(_ member: String, offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        guard scope.allowsTaskNames else {
            throw ExpressionError(offset: offset, message: "'task.\(member)' is not available \(scope.taskNamesUnavailableReason)")
        }
        switch member {
        case "key": return .taskKey
        case "address": return .taskAddress
        default:
            throw ExpressionError(offset: offset, message: "unknown name 'task.\(member)'\(Suggestion.hint(for: member, in: ["key", "address"]).replacingOccurrences(of: "mean ", with: "mean task."))")
        }
    }

    private static func runMember(_ member: String, offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        guard let known = RunMember(rawValue: member) else {
            let hint = Suggestion.hint(for: member, in: RunMember.allCases.map(\.rawValue)).replacingOccurrences(of: "mean ", with: "mean run.")
            let known = hint.isEmpty ? "; a run knows \(RunMember.listed)" : "\(hint) A run knows \(RunMember.listed)"
            throw ExpressionError(offset: offset, message: "unknown name 'run.\(member)'\(known)")
        }
        guard scope.allowsRunNames else {
            throw ExpressionError(offset: offset, message: "'run.\(member)' is known only when a run starts: use it in a task field")
        }
        return .run(known, offset: offset)
    }

    private static func call(_ name: String, _ arguments: [Syntax], offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        let function = try Self.function(name, argumentCount: arguments.count, offset: offset)
        var compiled: [Compiled] = []
        for argument in arguments { compiled.append(try compile(argument, in: scope)) }
        return fold(.call(function, compiled, offset: offset))
    }

    private static func function(_ name: String, argumentCount: Int, offset: Int) throws(ExpressionError) -> Function {
        guard let function = Function(rawValue: name) else {
            let hint = Suggestion.hint(for: name, in: Function.allCases.map(\.rawValue))
            throw ExpressionError(offset: offset, message: "unknown function '\(name)'\(hint)")
        }
        guard function.accepts(argumentCount: argumentCount) else {
            throw ExpressionError(offset: offset, message: "\(function.rawValue) \(function.arityDescription)")
        }
        return function
    }

    private static let reservedNames: Set<String> = ["env", "set", "task", "run"]

    private static func resolve(_ name: String, offset: Int, in scope: NameScope) throws(ExpressionError) -> Compiled {
        if let slot = scope.slots[name] { return .slot(slot, name: name, offset: offset) }
        if let value = try scope.lookUpVar(name, offset) { return .constant(value) }
        if reservedNames.contains(name) {
            let example = name == "env" ? "env.HOME" : name == "set" ? "set.name" : name == "run" ? "run.slot" : "task.key"
            throw ExpressionError(offset: offset, message: "'\(name)' is not a value by itself; use a member such as \(example)")
        }
        if Function(rawValue: name) != nil {
            throw ExpressionError(offset: offset, message: "'\(name)' is a function; call it: \(Function(rawValue: name)?.signature ?? name)")
        }
        let candidates = Array(scope.slots.keys) + scope.varNames()
        throw ExpressionError(offset: offset, message: "undefined name '\(name)'\(Suggestion.hint(for: name, in: candidates))")
    }

    /// Evaluates a node whose operands are all constants; leaves it alone when that fails, so an error only
    /// surfaces if the value is really needed (a branch not taken, say).
    private static func fold(_ node: Compiled) -> Compiled {
        let operandsConstant: Bool
        switch node {
        case .list(let items, _): operandsConstant = items.allSatisfy { $0.constantValue != nil }
        case .map(let entries, _): operandsConstant = entries.allSatisfy { $0.key.constantValue != nil && $0.value.constantValue != nil }
        case .member(let base, _, _): operandsConstant = base.constantValue != nil
        case .index(let base, let index, _): operandsConstant = base.constantValue != nil && index.constantValue != nil
        case .call(_, let arguments, _):
            operandsConstant = arguments.allSatisfy {
                if case .missing = $0 { return true }
                return $0.constantValue != nil
            }
        case .unary(_, let operand, _): operandsConstant = operand.constantValue != nil
        case .binary(_, let left, let right, _): operandsConstant = left.constantValue != nil && right.constantValue != nil
        case .conditional(let condition, _, _, _): operandsConstant = condition.constantValue != nil
        default: return node
        }
        guard operandsConstant else { return node }
        let context = EvaluationContext(slots: [], taskKey: nil, taskAddress: nil)
        if case .conditional(let condition, let whenTrue, let whenFalse, let offset) = node,
           let value = condition.constantValue {
            // Choose the branch now; the other may still depend on the matrix.
            guard case .bool(let chosen) = value.revealed.value else { return node }
            let branch = chosen ? whenTrue : whenFalse
            if value.revealed.isSensitive {
                if let constant = branch.constantValue { return .constant(.secret(constant)) }
                return .conditional(condition, whenTrue, whenFalse, offset: offset)
            }
            return branch
        }
        do {
            return .constant(try Evaluator.evaluate(node, context))
        } catch {
            return node
        }
    }
}
