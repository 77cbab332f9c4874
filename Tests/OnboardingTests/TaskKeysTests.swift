import Onboarding
import Testing

@Suite struct TaskKeysTests {
    @Test func aKeyIsTheNamesWordsInLowerCase() {
        #expect(TaskKeys.base(name: "Nightly Report (EU)", id: 1) == "nightly-report-eu")
        #expect(TaskKeys.base(name: "  Søk i ARKIV_2024 ", id: 1) == "sok-i-arkiv-2024")
        #expect(TaskKeys.base(name: "Import ${region}", id: 1) == "import-region")
    }

    @Test func aNameWithoutLettersOrDigitsGivesTheId() {
        #expect(TaskKeys.base(name: "", id: 42) == "task-42")
        #expect(TaskKeys.base(name: nil, id: 7) == "task-7")
        #expect(TaskKeys.base(name: "日本語 — ***", id: 9) == "task-9")
    }

    @Test func aLongNameIsCutAtAWord() {
        let key = TaskKeys.base(name: String(repeating: "purge everything ", count: 10), id: 1)
        #expect(key.count <= 60)
        #expect(!key.hasSuffix("-"))
        #expect(key.hasPrefix("purge-everything-purge"))
        #expect(TaskKeys.isValid(key))
    }

    @Test func sameNamesGetTheirIdsAndEveryKeyIsUnique() {
        let keys = TaskKeys.unique([(5, "Report"), (7, "Report"), (9, "Report 5"), (11, "Other")])
        #expect(keys == ["report-5", "report-7", "report-5-2", "other"])
        #expect(TaskKeys.unique([(7, "Report"), (5, "Report")]) == ["report-7", "report-5"])
    }

    @Test func keysAreValidAsManifestsDefineThem() {
        #expect(TaskKeys.isValid("a-b.c_d"))
        #expect(!TaskKeys.isValid("-a"))
        #expect(!TaskKeys.isValid("a b"))
        #expect(!TaskKeys.isValid(""))
        #expect(!TaskKeys.isValid(String(repeating: "a", count: 201)))
    }
}
