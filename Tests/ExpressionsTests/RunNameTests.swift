@testable import Expressions
import Testing

/// `run.*`: a name of its own in task fields, refused elsewhere, known only when a run starts.
@Suite struct RunNameTests {
    private static let run = RunValues(slot: "2030-01-01T02:00:00+01:00", previousSlot: nil, lastSucceededSlot: "2030-01-01T00:00:00+01:00",
                                       attempt: 2)

    private func compile(_ expression: String, allowsRun: Bool = true, vars: [String: Value] = [:]) throws(ExpressionError) -> Compiled {
        let scalars = Array(("${" + expression + "}").unicodeScalars)
        let (syntax, _) = try Parser.parse(scalars, from: 2)
        var scope = NameScope(setName: "s", environment: [:], lookUpVar: { name, _ in vars[name] }, varNames: { Array(vars.keys) })
        scope.allowsRunNames = allowsRun
        return try Compiler.compile(syntax, in: scope)
    }

    private func evaluate(_ compiled: Compiled, run: RunValues? = RunNameTests.run) throws(ExpressionError) -> Value {
        try Evaluator.evaluate(compiled, EvaluationContext(slots: [], taskKey: nil, taskAddress: nil, run: run))
    }

    @Test func theFourMembersAreKnownWhenTheRunStarts() throws {
        #expect(try evaluate(compile("run.slot")) == .string("2030-01-01T02:00:00+01:00"))
        #expect(try evaluate(compile("run.previousSlot")) == .null)
        #expect(try evaluate(compile("default(run.previousSlot, \"none\")")) == .string("none"))
        #expect(try evaluate(compile("run.lastSucceededSlot")) == .string("2030-01-01T00:00:00+01:00"))
        #expect(try evaluate(compile("run.attempt + 1")) == .int(3))
    }

    @Test func anExpressionThatReadsRunIsNotFolded() throws {
        #expect(try compile("upper(\"a\") + run.slot").usesRun)
        #expect(try compile("true ? run.attempt : 0").usesRun)
        #expect(try !compile("upper(\"a\")").usesRun)
        #expect(throws: ExpressionError.self) { try evaluate(compile("run.slot"), run: nil) }
    }

    @Test func anUnknownMemberNamesTheFour() {
        #expect(throws: ExpressionError.self) { try compile("run.slott") }
        do {
            _ = try compile("run.slott")
        } catch {
            #expect(error.message.contains("did you mean run.slot?"), "\(error.message)")
            #expect(error.message.contains("run.slot, run.previousSlot, run.lastSucceededSlot and run.attempt"))
        }
    }

    @Test func outsideTaskFieldsItIsRefused() {
        do {
            _ = try compile("run.slot", allowsRun: false)
            Issue.record("compiled")
        } catch {
            #expect(error.message == "'run.slot' is known only when a run starts: use it in a task field")
        }
    }

    @Test func aVarNamedRunKeepsItsMeaning() throws {
        let compiled = try compile("run.slot", vars: ["run": .map(["slot": .string("mine")])])
        #expect(!compiled.usesRun)
        #expect(try evaluate(compiled, run: nil) == .string("mine"))
    }
}
