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
        /// For `retry` written as a mapping, the one key of it this setting is; nil for the whole block.
        var retryKey: RetryKey?
        var value: Value
        var location: SourceLocation
        var textShift: Int?

        /// The setting as messages name it: `run.history`, `run.retry.limit`.
        var name: String { "run." + key.rawValue + (retryKey.map { "." + $0.rawValue } ?? "") }
    }

    /// The policy, and the warnings about settings that do nothing where they are.
    struct Reading {
        var policy: RunPolicy
        var warnings: [Diagnostic]
    }

    private var when: (RunPolicy.When, SourceLocation)?
    private var cron: (CronExpression, SourceLocation)?
    private var zone: (TimeZone, SourceLocation)?
    private var deadline: (TimeInterval, SourceLocation)?
    private var suspend: SourceLocation?
    private var pause: SourceLocation?
    private var catchUp: SourceLocation?
    /// Where each retry setting that was read is written, for the check that maxBackoff is not below backoff.
    private var retryLocations: [RetryKey: SourceLocation] = [:]
    private var policy = RunPolicy()

    /// Reads one setting; a later setting of the same key replaces an earlier one.
    mutating func read(_ setting: Setting) throws(Diagnostic) {
        let location = setting.location
        if setting.value.containsSensitive {
            throw Diagnostic.error(location, "\(setting.name) cannot be sensitive: it is shown in plans and listings")
        }
        switch setting.key {
        case .when:
            when = (try Self.name(setting, RunPolicy.When.self), location)
        case .concurrency:
            policy.concurrency = try Self.name(setting, RunPolicy.Concurrency.self)
        case .history:
            policy.history = try Self.count(setting, in: RunPolicy.historyRange, of: "finished runs to keep",
                                            outOfRange: "keep \(Self.span(RunPolicy.historyRange)) finished runs")
        case .schedule:
            cron = (try Self.cron(setting), location)
        case .timeZone:
            zone = (try Self.zone(setting), location)
        case .startingDeadline:
            deadline = (try Self.duration(setting), location)
        case .retry:
            try readRetry(setting)
        case .timeout:
            policy.timeout = try Self.duration(setting, ifZero: "is shorter than a second; give a run at least 1s, such as 30m")
        case .suspend:
            guard case .bool(let b) = setting.value else {
                throw Diagnostic.error(location, "\(setting.name) is true or false, not a \(setting.value.typeName)")
            }
            policy.suspend = b
            suspend = b ? location : nil
        case .pauseAfterFailures:
            let range = RunPolicy.pauseAfterFailuresRange
            policy.pauseAfterFailures = try Self.count(setting, in: range, of: "consecutive failed runs",
                                                       outOfRange: "pause after \(Self.span(range)) failed runs")
            pause = location
        case .catchUp:
            policy.catchUp = try Self.name(setting, RunPolicy.CatchUp.self)
            catchUp = location
        }
    }

    /// The policy, once every setting is read.
    func finish() throws(Diagnostic) -> Reading {
        var policy = self.policy
        try checkRetry()
        policy.when = when?.0 ?? .once
        let unscheduled = " (it is \(policy.when.rawValue))"
        guard policy.when == .schedule else {
            for (key, location) in [("schedule", cron?.1), ("timeZone", zone?.1), ("startingDeadline", deadline?.1), ("catchUp", catchUp)] {
                if let location {
                    throw Diagnostic.error(location, "run.\(key) is read only with when: schedule\(when == nil ? "" : unscheduled); add when: schedule, or remove \(key)")
                }
            }
            var warnings: [Diagnostic] = []
            if let suspend {
                warnings.append(.warning(suspend, "run.suspend holds back a scheduled task's runs, and this task is not scheduled\(unscheduled): apply still starts it; add when: schedule, or remove suspend"))
            }
            if let pause {
                warnings.append(.warning(pause, "run.pauseAfterFailures pauses a scheduled task, and this task is not scheduled\(unscheduled); add when: schedule, or remove pauseAfterFailures"))
            }
            return Reading(policy: policy, warnings: warnings)
        }
        guard let cron else {
            throw Diagnostic.error(when?.1, "when: schedule needs a schedule; add schedule: \"0 2 * * *\" (five cron fields: minute hour day-of-month month day-of-week)")
        }
        policy.schedule = RunSchedule(cron: cron.0, timeZone: zone?.0 ?? RunPolicy.defaultTimeZone, startingDeadline: deadline?.0)
        return Reading(policy: policy, warnings: [])
    }

    // MARK: - Retry

    /// `retry` key by key, or as one mapping (an expression's value) that replaces every retry setting before it.
    private mutating func readRetry(_ setting: Setting) throws(Diagnostic) {
        if let retryKey = setting.retryKey {
            try readRetry(retryKey, setting)
            return
        }
        guard case .map(let entries) = setting.value else {
            throw Diagnostic.error(setting.location, "run.retry is a mapping: {\(RetryKey.names.joined(separator: ", "))}, not a \(setting.value.typeName)")
        }
        policy.retry = RetryPolicy()
        retryLocations = [:]
        for (name, value) in entries {
            guard let retryKey = RetryKey(rawValue: name) else {
                throw Diagnostic.error(setting.location, RetryKey.unknown(name))
            }
            try readRetry(retryKey, Setting(key: .retry, retryKey: retryKey, value: value, location: setting.location))
        }
    }

    private mutating func readRetry(_ key: RetryKey, _ setting: Setting) throws(Diagnostic) {
        switch key {
        case .limit:
            let range = RetryPolicy.limitRange
            policy.retry.limit = try Self.count(setting, in: range, of: "retries after the first attempt",
                                                outOfRange: "retry \(Self.span(range)) times")
        case .backoff:
            policy.retry.backoff = try Self.duration(setting, ifZero: "would start each retry at once; wait at least 1s, such as 1m (the default)")
        case .maxBackoff:
            policy.retry.maxBackoff = try Self.duration(setting)
        case .factor:
            let factor: Double
            switch setting.value {
            case .int(let n): factor = Double(n)
            case .double(let d): factor = d
            default:
                throw Diagnostic.error(setting.location, "\(setting.name) is a number of at least 1 (each wait is the one before times it), not a \(setting.value.typeName)")
            }
            guard factor.isFinite, factor >= 1 else {
                throw Diagnostic.error(setting.location, "\(setting.name) \(setting.value.shortDescription) is less than 1: each wait is the one before times the factor; write 1 for equal waits, or 2 (the default) to double them")
            }
            policy.retry.factor = factor
        }
        retryLocations[key] = setting.location
    }

    /// The longest wait is no shorter than the first.
    private func checkRetry() throws(Diagnostic) {
        let retry = policy.retry
        guard retry.maxBackoff < retry.backoff else { return }
        let backoff = DurationText.format(retry.backoff), maxBackoff = DurationText.format(retry.maxBackoff)
        if let written = retryLocations[.maxBackoff] {
            throw Diagnostic.error(written, "run.retry.maxBackoff \(maxBackoff) is shorter than backoff \(backoff): the longest wait cannot be shorter than the first; raise maxBackoff or lower backoff")
        }
        throw Diagnostic.error(retryLocations[.backoff], "run.retry.backoff \(backoff) is longer than maxBackoff (\(maxBackoff) by default); add maxBackoff: \(backoff) or longer, or lower backoff")
    }

    // MARK: - Values

    private static func cron(_ setting: Setting) throws(Diagnostic) -> CronExpression {
        let text = try Self.text(setting, example: "\"0 2 * * *\"")
        do throws(CronError) {
            return try CronExpression(parsing: text)
        } catch {
            let at = setting.textShift.map { setting.location.advanced(byColumns: $0 + error.offset) } ?? setting.location
            throw Diagnostic.error(at, "run.schedule: \(error.message)",
                                   notes: ["a schedule has five fields: minute hour day-of-month month day-of-week, as in \"0 2 * * *\" (02:00 every day)"])
        }
    }

    private static func zone(_ setting: Setting) throws(Diagnostic) -> TimeZone {
        let text = try Self.text(setting, example: "Europe/Oslo")
        guard let found = TimeZoneName.zone(text) else {
            let near = TimeZoneName.suggestions(for: text)
            let hint = near.isEmpty ? "" : "; did you mean \(near.joined(separator: " or "))?"
            throw Diagnostic.error(setting.location, "unknown time zone '\(text)'\(hint) (write an IANA name such as Europe/Oslo or UTC)")
        }
        return found
    }

    /// A duration as `DurationText` reads it; `ifZero` says what is wrong with a zero one (`0s`) where that needs
    /// saying in the setting's own terms.
    private static func duration(_ setting: Setting, ifZero: String? = nil) throws(Diagnostic) -> TimeInterval {
        let text: String
        switch setting.value {
        case .string(let s): text = s
        case .int(let n): text = "\(n)"
        default: text = setting.value.shortDescription
        }
        if let ifZero, isZeroDuration(text) {
            throw Diagnostic.error(setting.location, "\(setting.name) \(text) \(ifZero)")
        }
        guard let seconds = DurationText.parse(text) else {
            let problem = DurationText.problem(text) ?? "'\(text)' is not a duration"
            throw Diagnostic.error(setting.location, "\(setting.name): \(problem)")
        }
        return seconds
    }

    /// `0s`, `0m`, `0h0m`: written as a duration, but of nothing.
    private static func isZeroDuration(_ text: String) -> Bool {
        text.contains("0") && text.allSatisfy { "0dhms".contains($0) } && text.last.map { "dhms".contains($0) } == true
    }

    /// A whole number within `range`: `of` names what it counts, `outOfRange` says what to write instead.
    private static func count(_ setting: Setting, in range: ClosedRange<Int>, of what: String, outOfRange: String) throws(Diagnostic) -> Int {
        guard case .int(let n) = setting.value else {
            throw Diagnostic.error(setting.location, "\(setting.name) is a whole number of \(what) (\(span(range))), not a \(setting.value.typeName)")
        }
        guard let count = Int(exactly: n), range.contains(count) else {
            throw Diagnostic.error(setting.location, "\(setting.name) \(n) is out of range: \(outOfRange)")
        }
        return count
    }

    private static func span(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound) to \(range.upperBound)" }

    private static func text(_ setting: Setting, example: String) throws(Diagnostic) -> String {
        guard case .string(let text) = setting.value else {
            throw Diagnostic.error(setting.location, "\(setting.name) is text such as \(example), not a \(setting.value.typeName)")
        }
        return text
    }

    private static func name<E: RawRepresentable & CaseIterable>(_ setting: Setting, _: E.Type) throws(Diagnostic) -> E
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        guard case .string(let text) = setting.value, let found = E(rawValue: text) else {
            let shown = setting.value.shortDescription
            throw Diagnostic.error(setting.location, "\(setting.name) is one of \(names.joined(separator: ", ")), not '\(shown)'\(Suggestion.hint(for: shown, in: names))")
        }
        return found
    }
}

extension RetryKey {
    static let names = allCases.map(\.rawValue)

    /// The error message for a key of `retry` that is none of these.
    static func unknown(_ name: String) -> String {
        "unknown run.retry setting '\(name)'\(Suggestion.hint(for: name, in: names)) (known: \(names.joined(separator: ", ")))"
    }
}

extension RunPolicy {
    /// The wall clock of a schedule that names no time zone.
    public static let defaultTimeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// The settings' names in the order messages list them.
    static let keyNames = Key.allCases.map(\.rawValue)
}
