import DesiredTasks
import Foundation
import Testing
@testable import Manifest

/// The `run` block: settings, templates, expressions, and an error with a position for each way it can be wrong.
@Suite struct RunPolicyTests {
    @Test func aTaskWithoutARunBlockRunsOnce() throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n")
        #expect(result.errors == [])
        #expect(result.task("s/a")?.run == RunPolicy())
        #expect(result.task("s/a")?.run.when == .once)
        #expect(result.task("s/a")?.run.history == 5)
        #expect(result.task("s/a")?.run.concurrency == .forbid)
    }

    @Test func everySettingIsRead() throws {
        let result = try expand("""
            tasks:
              - key: nightly
                Name: N
                run:
                  when: schedule
                  schedule: "0 2 * * *"
                  timeZone: Europe/Oslo
                  history: 3
                  concurrency: replace
                  startingDeadline: 1h30m

            """)
        #expect(result.errors == [])
        let run = try #require(result.task("s/nightly")?.run)
        #expect(run.when == .schedule)
        #expect(run.history == 3)
        #expect(run.concurrency == .replace)
        let schedule = try #require(run.schedule)
        #expect(schedule.cron.description == "0 2 * * *")
        #expect(schedule.timeZone.identifier == "Europe/Oslo")
        #expect(schedule.startingDeadline == 5400)
    }

    @Test func aScheduleWithoutATimeZoneIsUTC() throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n    run: {when: schedule, schedule: '@daily'}\n")
        #expect(result.errors == [])
        let schedule = try #require(result.task("s/a")?.run.schedule)
        #expect(schedule.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0)
        #expect(schedule.startingDeadline == nil)
    }

    @Test func templatesCarryTheBlockAndTheTaskOverridesSettingBySetting() throws {
        let result = try expand("""
            templates:
              nightly:
                run: {when: schedule, schedule: "0 2 * * *", history: 10}
            tasks:
              - key: a
                extends: nightly
                Name: A
                run: {history: 2}
              - key: b
                extends: nightly
                Name: B

            """)
        #expect(result.errors == [])
        #expect(result.task("s/a")?.run.history == 2)
        #expect(result.task("s/a")?.run.when == .schedule)
        #expect(result.task("s/b")?.run.history == 10)
    }

    @Test func settingsMayBeExpressionsPerMatrixCombination() throws {
        let result = try expand("""
            vars:
              hours: {eu: 2, us: 8}
            tasks:
              - key: import-${region}
                matrix: {region: [eu, us]}
                Name: Import ${region}
                run:
                  when: schedule
                  schedule: "0 ${hours[region]} * * *"
                  history: ${region == "eu" ? 1 :4}

            """)
        #expect(result.errors == [])
        #expect(result.task("s/import-eu")?.run.schedule?.cron.description == "0 2 * * *")
        #expect(result.task("s/import-us")?.run.schedule?.cron.description == "0 8 * * *")
        #expect(result.task("s/import-eu")?.run.history == 1)
        #expect(result.task("s/import-us")?.run.history == 4)
    }

    @Test func onChangeAndAllowAreRead() throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n    run: {when: onChange, concurrency: allow, history: 0}\n")
        #expect(result.errors == [])
        #expect(result.task("s/a")?.run == RunPolicy(when: .onChange, history: 0, concurrency: .allow))
    }

    /// Each error names the file, line and column of the setting at fault, and what to write instead.
    @Test(arguments: [
        // A malformed cron expression: the column of the bad field inside the quoted text (the scalar starts at 15).
        ("run: {when: schedule, schedule: \"0 25 * * *\"}", "set.yaml:8:40: error: run.schedule: "),
        ("run:\n      when: schedule\n      schedule: 61 2 * * *", "set.yaml:10:17: error: run.schedule: "),
        ("run: {when: schedule, schedule: \"0 2 * *\"}", "set.yaml:8:"),
        ("run: {when: schedule, schedule: \"0 2 * * *\", timeZone: Europe/Olso}",
         "set.yaml:8:60: error: unknown time zone 'Europe/Olso'; did you mean Europe/Oslo"),
        ("run: {history: 101}", "set.yaml:8:20: error: run.history 101 is out of range: keep 0 to 100 finished runs"),
        ("run: {history: -1}", "set.yaml:8:20: error: run.history -1 is out of range"),
        ("run: {history: many}", "set.yaml:8:20: error: run.history is a whole number of finished runs to keep (0 to 100), not a string"),
        ("run: {schedule: \"0 2 * * *\"}", "set.yaml:8:21: error: run.schedule is read only with when: schedule; add when: schedule, or remove schedule"),
        ("run: {when: onChange, timeZone: UTC}", "set.yaml:8:37: error: run.timeZone is read only with when: schedule (it is onChange)"),
        ("run: {when: schedule}", "set.yaml:8:17: error: when: schedule needs a schedule; add schedule:"),
        ("run: {when: nightly}", "set.yaml:8:17: error: run.when is one of once, onChange, schedule, not 'nightly'"),
        ("run: {when: onchange}", "set.yaml:8:17: error: run.when is one of once, onChange, schedule, not 'onchange'; did you mean onChange?"),
        ("run: {concurrency: queue}", "set.yaml:8:24: error: run.concurrency is one of forbid, allow, replace, not 'queue'"),
        ("run: {when: schedule, schedule: '@daily', startingDeadline: 1x}", "set.yaml:8:65: error: run.startingDeadline: "),
        ("run: {shedule: x}", "set.yaml:8:11: error: unknown run setting 'shedule'; did you mean schedule?"),
        ("run: [once]", "set.yaml:8:10: error: run is a mapping: {when, schedule, timeZone, history, concurrency, startingDeadline, retry, timeout, suspend, pauseAfterFailures, catchUp}"),
    ])
    func aBadRunBlockIsAnErrorAtItsPosition(block: String, expected: String) throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n    \(block)\n")
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.hasPrefix(expected) == true, "\(result.errors)")
    }

    @Test func aSensitiveSettingIsRefused() throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n    run:\n      when: ${sensitive(\"onChange\")}\n")
        #expect(result.errors.first?.contains("run.when cannot be sensitive") == true, "\(result.errors)")
    }

    @Test func theBlockIsInTheSchema() throws {
        let run = ManifestSchema.document["$defs"]?["task"]?["properties"]?["run"]
        let names = run?["properties"]?.objectValue.map { Array($0.keys) } ?? []
        #expect(names == RunPolicy.Key.allCases.map(\.rawValue))
        #expect(ManifestSchema.document["$defs"]?["template"]?["properties"]?["run"] != nil)
    }

    // MARK: - Retry, timeout, suspend, pauseAfterFailures

    @Test func theRunLifeSettingsAreRead() throws {
        let result = try expand("""
            tasks:
              - key: nightly
                Name: N
                run:
                  when: schedule
                  schedule: "0 2 * * *"
                  retry: {limit: 3, backoff: 5m, factor: 1.5, maxBackoff: 2h}
                  timeout: 1h30m
                  suspend: true
                  pauseAfterFailures: 2

            """)
        #expect(result.errors == [])
        #expect(result.warnings == [])
        let run = try #require(result.task("s/nightly")?.run)
        #expect(run.retry == RetryPolicy(limit: 3, backoff: 300, factor: 1.5, maxBackoff: 7200))
        #expect(run.timeout == 5400)
        #expect(run.suspend)
        #expect(run.pauseAfterFailures == 2)
        #expect(run.watchesRuns)
    }

    @Test func unwrittenRunLifeSettingsHaveTheirDefaults() throws {
        let result = try expand("""
            tasks:
              - key: plain
                Name: P
              - key: retried
                Name: R
                run:
                  retry: {limit: 2}
              - key: block
                Name: B
                run:
                  retry:
                    backoff: 30s

            """)
        #expect(result.errors == [])
        let plain = try #require(result.task("s/plain")?.run)
        #expect(plain.retry == RetryPolicy(limit: 0, backoff: 60, factor: 2, maxBackoff: 3600))
        #expect(plain.timeout == nil)
        #expect(!plain.suspend)
        #expect(plain.pauseAfterFailures == nil)
        #expect(!plain.watchesRuns)
        #expect(result.task("s/retried")?.run.retry == RetryPolicy(limit: 2, backoff: 60, factor: 2, maxBackoff: 3600))
        #expect(result.task("s/retried")?.run.watchesRuns == true)
        #expect(result.task("s/block")?.run.retry == RetryPolicy(limit: 0, backoff: 30, factor: 2, maxBackoff: 3600))
    }

    @Test func aTaskChangesOneRetrySettingOfItsTemplate() throws {
        let result = try expand("""
            templates:
              careful:
                run: {retry: {limit: 3, backoff: 10m}, timeout: 1h, pauseAfterFailures: 4}
            tasks:
              - key: a
                extends: careful
                Name: A
                run: {retry: {backoff: 2m}, timeout: 2h}
              - key: b
                extends: careful
                Name: B

            """)
        #expect(result.errors == [])
        #expect(result.task("s/a")?.run.retry == RetryPolicy(limit: 3, backoff: 120))
        #expect(result.task("s/a")?.run.timeout == 7200)
        #expect(result.task("s/a")?.run.pauseAfterFailures == 4)
        #expect(result.task("s/b")?.run.retry == RetryPolicy(limit: 3, backoff: 600))
        #expect(result.task("s/b")?.run.timeout == 3600)
    }

    @Test func runLifeSettingsMayBeExpressions() throws {
        let result = try expand("""
            vars:
              patient: {limit: 4, backoff: 2m}
              minutes: 45
            tasks:
              - key: import-${region}
                matrix: {region: [eu, us]}
                Name: Import ${region}
                run:
                  when: schedule
                  schedule: "0 2 * * *"
                  retry:
                    limit: ${region == "eu" ? 2 :0}
                    backoff: ${minutes}m
                  timeout: ${region == "eu" ? "1h" :"2h"}
                  suspend: ${region == "us"}
              - key: whole
                Name: W
                run:
                  retry: ${patient}

            """)
        #expect(result.errors == [])
        #expect(result.task("s/import-eu")?.run.retry == RetryPolicy(limit: 2, backoff: 2700))
        #expect(result.task("s/import-us")?.run.retry == RetryPolicy(limit: 0, backoff: 2700))
        #expect(result.task("s/import-eu")?.run.timeout == 3600)
        #expect(result.task("s/import-us")?.run.timeout == 7200)
        #expect(result.task("s/import-eu")?.run.suspend == false)
        #expect(result.task("s/import-us")?.run.suspend == true)
        #expect(result.task("s/whole")?.run.retry == RetryPolicy(limit: 4, backoff: 120))
    }

    @Test func aRetryBlockFromAnExpressionIsReplacedKeyByKeyByALaterLayer() throws {
        let result = try expand("""
            vars:
              patient: {limit: 4, backoff: 2m, factor: 3}
            templates:
              patient:
                run:
                  retry: ${patient}
            tasks:
              - key: a
                extends: patient
                Name: A
                run: {retry: {limit: 1}}

            """)
        #expect(result.errors == [])
        #expect(result.task("s/a")?.run.retry == RetryPolicy(limit: 1, backoff: 120, factor: 3))
    }

    /// Each error names the file, line and column of the value at fault, and what to write instead.
    @Test(arguments: [
        ("run: {retry: {limit: -1}}", "set.yaml:8:26: error: run.retry.limit -1 is out of range: retry 0 to 100 times"),
        ("run: {retry: {limit: 101}}", "set.yaml:8:26: error: run.retry.limit 101 is out of range: retry 0 to 100 times"),
        ("run: {retry: {limit: two}}", "set.yaml:8:26: error: run.retry.limit is a whole number of retries after the first attempt (0 to 100), not a string"),
        ("run: {retry: {backoff: 0s}}", "set.yaml:8:28: error: run.retry.backoff 0s would start each retry at once; wait at least 1s, such as 1m"),
        ("run: {retry: {backoff: 5x}}", "set.yaml:8:28: error: run.retry.backoff: '5x': unknown unit 'x'"),
        ("run: {retry: {maxBackoff: -1h}}", "set.yaml:8:31: error: run.retry.maxBackoff: '-1h': a duration is positive"),
        ("run: {retry: {factor: 0.5}}", "set.yaml:8:27: error: run.retry.factor 0.5 is less than 1: each wait is the one before times the factor; write 1 for equal waits"),
        ("run: {retry: {factor: fast}}", "set.yaml:8:27: error: run.retry.factor is a number of at least 1 (each wait is the one before times it), not a string"),
        ("run: {retry: {backoff: 10m, maxBackoff: 5m}}", "set.yaml:8:45: error: run.retry.maxBackoff 5m is shorter than backoff 10m: the longest wait cannot be shorter than the first"),
        ("run: {retry: {backoff: 2h}}", "set.yaml:8:28: error: run.retry.backoff 2h is longer than maxBackoff (1h by default); add maxBackoff: 2h or longer, or lower backoff"),
        ("run: {retry: {limt: 2}}", "set.yaml:8:19: error: unknown run.retry setting 'limt'; did you mean limit? (known: limit, backoff, factor, maxBackoff)"),
        ("run: {retry: 3}", "set.yaml:8:18: error: run.retry is a mapping: {limit, backoff, factor, maxBackoff}, not a integer"),
        ("run: {retry: [2]}", "set.yaml:8:18: error: run.retry is a mapping: {limit, backoff, factor, maxBackoff}, not a list"),
        ("run:\n      retry:\n        limit: ${sensitive(2)}", "set.yaml:10:16: error: run.retry.limit cannot be sensitive"),
        ("run: {timeout: 0s}", "set.yaml:8:20: error: run.timeout 0s is shorter than a second; give a run at least 1s, such as 30m"),
        ("run: {timeout: 30}", "set.yaml:8:20: error: run.timeout: '30': no unit after 30"),
        ("run: {timeout: 1.5h}", "set.yaml:8:20: error: run.timeout: '1.5h': write whole numbers"),
        ("run: {suspend: 1}", "set.yaml:8:20: error: run.suspend is true or false, not a integer"),
        ("run: {when: schedule, schedule: '@daily', pauseAfterFailures: 0}",
         "set.yaml:8:67: error: run.pauseAfterFailures 0 is out of range: pause after 1 to 1000 failed runs"),
        ("run: {pauseAfterFailures: many}", "set.yaml:8:31: error: run.pauseAfterFailures is a whole number of consecutive failed runs (1 to 1000), not a string"),
        ("run: {rety: 2}", "set.yaml:8:11: error: unknown run setting 'rety'; did you mean retry?"),
    ])
    func aBadRunLifeSettingIsAnErrorAtItsPosition(block: String, expected: String) throws {
        let result = try expand("tasks:\n  - key: a\n    Name: A\n    \(block)\n")
        #expect(result.errors.count == 1, "\(result.errors)")
        #expect(result.errors.first?.hasPrefix(expected) == true, "\(result.errors)")
    }

    @Test func anUnknownKeyInARetryBlockFromAnExpressionIsAnErrorAtTheExpression() throws {
        let result = try expand("vars:\n  r: {limit: 1, bakoff: 2m}\ntasks:\n  - key: a\n    Name: A\n    run:\n      retry: ${r}\n")
        #expect(result.errors == ["set.yaml:11:14: error: unknown run.retry setting 'bakoff'; did you mean backoff? (known: limit, backoff, factor, maxBackoff)"])
    }

    /// Suspending or pausing a task without a schedule is not wrong enough to stop an apply, but is likely a mistake.
    @Test func suspendAndPauseOnAnUnscheduledTaskAreWarnings() throws {
        let result = try expand("""
            tasks:
              - key: a-${n}
                matrix: {n: [1, 2, 3]}
                Name: A
                run: {suspend: true}
              - key: b
                Name: B
                run: {when: onChange, pauseAfterFailures: 3, suspend: false}

            """)
        #expect(result.errors == [])
        #expect(result.warnings == [
            "set.yaml:9:20: warning: run.suspend holds back a scheduled task's runs, and this task is not scheduled (it is once): apply still starts it; add when: schedule, or remove suspend",
            "set.yaml:12:47: warning: run.pauseAfterFailures pauses a scheduled task, and this task is not scheduled (it is onChange); add when: schedule, or remove pauseAfterFailures",
        ])
        #expect(result.task("s/a-1")?.run.suspend == true)
        #expect(result.task("s/b")?.run.pauseAfterFailures == 3)
    }

    /// The README's example project retries its nightly import; the report shares the schedule but not the retry.
    @Test func theExampleRetriesTheNightlyImportAndNotItsReport() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/examples"
        var options = ManifestOptions(paths: [examples + "/sets"])
        options.root = examples
        options.varFiles = [examples + "/env/prod.yaml"]
        let result = ManifestEngine.expand(options)
        #expect(result.errors == [])
        let importRun = try #require(result.task("nightly/import-eu-01")?.run)
        let reportRun = try #require(result.task("nightly/report")?.run)
        #expect(importRun.retry == RetryPolicy(limit: 2, backoff: 300))
        #expect(importRun.history == 7)
        #expect(reportRun.retry == RetryPolicy())
        #expect(reportRun.when == .schedule)
        #expect(reportRun.schedule == importRun.schedule)
    }

    @Test func theRetryBlockIsInTheSchema() throws {
        let retry = ManifestSchema.document["$defs"]?["task"]?["properties"]?["run"]?["properties"]?["retry"]
        let block = retry?["anyOf"]?.arrayValue?.first
        let names = block?["properties"]?.objectValue.map { Array($0.keys) } ?? []
        #expect(names == RetryKey.allCases.map(\.rawValue))
        #expect(block?["additionalProperties"] == false)
    }
}
