import DesiredTasks
import Diagnostics
import Expressions
import Foundation
import Schedule

/// Builds a task's `RunPolicy` from the settings of its `run` blocks (templates' first, the task's last), each
/// already evaluated, and checks that they fit together.
struct RunPolicyReader {
    /// One setting as written: its value and where, and for a scalar written on one line, how many columns its
    /// text starts after the node (1 for a quoted scalar), so a cron error can point into the text.
    struct Setting {
        var key: RunPolicy.Key
        var value: Value
        var location: SourceLocation
        var textShift: Int?
    }

    private var when: (RunPolicy.When, SourceLocation)?
    private var cron: (CronExpression, SourceLocation)?
    private var zone: (TimeZone, SourceLocation)?
    private var deadline: (TimeInterval, SourceLocation)?
    private var policy = RunPolicy()

    /// Reads one setting; a later setting of the same key replaces an earlier one.
    mutating func read(_ setting: Setting) throws(Diagnostic) {
        let location = setting.location
        let key = setting.key.rawValue
        if case .sensitive = setting.value {
            throw Diagnostic.error(location, "run.\(key) cannot be sensitive: it is shown in plans and listings")
        }
        switch setting.key {
        case .when:
            when = (try Self.name(setting, RunPolicy.When.self), location)
        case .concurrency:
            policy.concurrency = try Self.name(setting, RunPolicy.Concurrency.self)
        case .history:
            guard case .int(let n) = setting.value else {
                throw Diagnostic.error(location, "run.history is a whole number of finished runs to keep (\(RunPolicy.historyRange.lowerBound) to \(RunPolicy.historyRange.upperBound)), not a \(setting.value.typeName)")
            }
            guard let count = Int(exactly: n), RunPolicy.historyRange.contains(count) else {
                throw Diagnostic.error(location, "run.history \(n) is out of range: keep \(RunPolicy.historyRange.lowerBound) to \(RunPolicy.historyRange.upperBound) finished runs")
            }
            policy.history = count
        case .schedule:
            let text = try Self.text(setting, example: "\"0 2 * * *\"")
            do throws(CronError) {
                cron = (try CronExpression(parsing: text), location)
            } catch {
                let at = setting.textShift.map { location.advanced(byColumns: $0 + error.offset) } ?? location
                throw Diagnostic.error(at, "run.schedule: \(error.message)",
                                       notes: ["a schedule has five fields: minute hour day-of-month month day-of-week, as in \"0 2 * * *\" (02:00 every day)"])
            }
        case .timeZone:
            let text = try Self.text(setting, example: "Europe/Oslo")
            guard let found = TimeZoneName.zone(text) else {
                let near = TimeZoneName.suggestions(for: text)
                let hint = near.isEmpty ? "" : "; did you mean \(near.joined(separator: " or "))?"
                throw Diagnostic.error(location, "unknown time zone '\(text)'\(hint) (write an IANA name such as Europe/Oslo or UTC)")
            }
            zone = (found, location)
        case .startingDeadline:
            let text: String
            switch setting.value {
            case .string(let s): text = s
            case .int(let n): text = "\(n)"
            default: text = setting.value.shortDescription
            }
            guard let seconds = DurationText.parse(text) else {
                let problem = DurationText.problem(text) ?? "'\(text)' is not a duration"
                throw Diagnostic.error(location, "run.startingDeadline: \(problem)")
            }
            deadline = (seconds, location)
        }
    }

    /// The policy, once every setting is read.
    func finish() throws(Diagnostic) -> RunPolicy {
        var policy = self.policy
        policy.when = when?.0 ?? .once
        let unscheduled = when.map { " (it is \($0.0.rawValue))" } ?? ""
        guard policy.when == .schedule else {
            for (key, location) in [("schedule", cron?.1), ("timeZone", zone?.1), ("startingDeadline", deadline?.1)] {
                if let location {
                    throw Diagnostic.error(location, "run.\(key) is read only with when: schedule\(unscheduled); add when: schedule, or remove \(key)")
                }
            }
            return policy
        }
        guard let cron else {
            throw Diagnostic.error(when?.1, "when: schedule needs a schedule; add schedule: \"0 2 * * *\" (five cron fields: minute hour day-of-month month day-of-week)")
        }
        policy.schedule = RunSchedule(cron: cron.0, timeZone: zone?.0 ?? RunPolicy.defaultTimeZone, startingDeadline: deadline?.0)
        return policy
    }

    private static func text(_ setting: Setting, example: String) throws(Diagnostic) -> String {
        guard case .string(let text) = setting.value else {
            throw Diagnostic.error(setting.location, "run.\(setting.key.rawValue) is text such as \(example), not a \(setting.value.typeName)")
        }
        return text
    }

    private static func name<E: RawRepresentable & CaseIterable>(_ setting: Setting, _: E.Type) throws(Diagnostic) -> E
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        guard case .string(let text) = setting.value, let found = E(rawValue: text) else {
            let shown = setting.value.shortDescription
            throw Diagnostic.error(setting.location, "run.\(setting.key.rawValue) is one of \(names.joined(separator: ", ")), not '\(shown)'\(Suggestion.hint(for: shown, in: names))")
        }
        return found
    }
}

extension RunPolicy {
    /// The wall clock of a schedule that names no time zone.
    public static let defaultTimeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// The settings' names in the order messages list them.
    static let keyNames = Key.allCases.map(\.rawValue)
}
