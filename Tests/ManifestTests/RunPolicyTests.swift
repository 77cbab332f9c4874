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
        ("run: [once]", "set.yaml:8:10: error: run is a mapping: {when, schedule, timeZone, history, concurrency, startingDeadline}"),
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
}
