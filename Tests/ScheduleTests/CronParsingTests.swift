import Foundation
import Testing
@testable import Schedule

@Suite struct CronParsingTests {
    /// The values each field matches, in field order.
    private func fields(_ text: String) throws -> [[Int]] {
        let cron = try CronExpression(parsing: text)
        return [cron.minutes.values, cron.hours.values, cron.daysOfMonth.values, cron.months.values, cron.daysOfWeek.values]
    }

    private func minutes(_ field: String) throws -> [Int] {
        try fields("\(field) * * * *")[0]
    }

    @Test func eachFormOfAnItem() throws {
        #expect(try minutes("*") == Array(0...59))
        #expect(try minutes("5") == [5])
        #expect(try minutes("05") == [5])
        #expect(try minutes("000059") == [59])
        #expect(try minutes("1-5") == [1, 2, 3, 4, 5])
        #expect(try minutes("7-7") == [7])
        #expect(try minutes("*/15") == [0, 15, 30, 45])
        #expect(try minutes("10-30/10") == [10, 20, 30])
        #expect(try minutes("10-35/10") == [10, 20, 30])
        #expect(try minutes("5/20") == [5, 25, 45])
        #expect(try minutes("*/60") == [0])
        #expect(try minutes("1,2,10-12,*/30") == [0, 1, 2, 10, 11, 12, 30])
        #expect(try fields("0 */6 * * *")[1] == [0, 6, 12, 18])
        #expect(try fields("0 0 1-31/10 * *")[2] == [1, 11, 21, 31])
        #expect(try fields("0 0 * */3 *")[3] == [1, 4, 7, 10])
    }

    @Test func monthAndWeekdayNames() throws {
        #expect(try fields("0 0 * JAN-MAR *")[3] == [1, 2, 3])
        #expect(try fields("0 0 * jan,Jul,DEC *")[3] == [1, 7, 12])
        #expect(try fields("0 0 * JAN/3 *")[3] == [1, 4, 7, 10])
        #expect(try fields("0 0 * JAN-6/2 *")[3] == [1, 3, 5])
        #expect(try fields("0 0 * * MON-FRI")[4] == [1, 2, 3, 4, 5])
        #expect(try fields("0 0 * * sun,Sat")[4] == [0, 6])
        #expect(try fields("0 0 * * mon-fri/2")[4] == [1, 3, 5])
    }

    @Test func sundayIsZeroOrSeven() throws {
        #expect(try fields("0 0 * * 0")[4] == [0])
        #expect(try fields("0 0 * * 7")[4] == [0])
        #expect(try fields("0 0 * * 5-7")[4] == [0, 5, 6])
        #expect(try fields("0 0 * * 0-7")[4] == Array(0...6))
        #expect(try fields("0 0 * * */2")[4] == [0, 2, 4, 6])
        #expect(try fields("0 0 * * 1-7/2")[4] == [0, 1, 3, 5])
    }

    @Test func whitespaceBetweenAndAroundFields() throws {
        let cron = try CronExpression(parsing: "  0\t2   *  * *\n")
        #expect(cron.description == "0\t2   *  * *")
        #expect(try fields("  0\t2   *  * *\n") == fields("0 2 * * *"))
    }

    @Test func macros() throws {
        #expect(try fields("@yearly") == fields("0 0 1 1 *"))
        #expect(try fields("@annually") == fields("0 0 1 1 *"))
        #expect(try fields("@monthly") == fields("0 0 1 * *"))
        #expect(try fields("@weekly") == fields("0 0 * * 0"))
        #expect(try fields("@daily") == fields("0 0 * * *"))
        #expect(try fields("@midnight") == fields("0 0 * * *"))
        #expect(try fields("@hourly") == fields("0 * * * *"))
        #expect(try fields("@Daily") == fields("0 0 * * *"))
        let cron = try CronExpression(parsing: " @daily ")
        #expect(cron.description == "@daily")
        #expect("\(cron)" == "@daily")
    }

    @Test func dayFieldsCombineByVixieRules() throws {
        // Both restricted: either may match.
        #expect(try CronExpression(parsing: "0 0 1 * MON").daysMatchEither)
        #expect(try CronExpression(parsing: "0 0 1-7 * 1").daysMatchEither)
        // A field that starts with `*` (even `*/2`) leaves the other to decide alone: both must match.
        #expect(try !CronExpression(parsing: "0 0 * * MON").daysMatchEither)
        #expect(try !CronExpression(parsing: "0 0 1 * *").daysMatchEither)
        #expect(try !CronExpression(parsing: "0 0 */2 * MON").daysMatchEither)
        #expect(try !CronExpression(parsing: "0 0 1 * */2").daysMatchEither)
    }

    @Test func equalityIsByText() throws {
        #expect(try CronExpression(parsing: "0 2 * * *") == CronExpression(parsing: " 0 2 * * * "))
        #expect(try CronExpression(parsing: "0 2 * * *") != CronExpression(parsing: "0 2 * * 0-7"))
        #expect(try Set([CronExpression(parsing: "@daily"), CronExpression(parsing: "@daily")]).count == 1)
    }

    @Test func leapDayOnlyIsValid() throws {
        #expect(cronError("0 0 29 2 *") == nil)
        #expect(cronError("0 0 28-31 2 *") == nil)
        #expect(cronError("0 0 31 1-2 *") == nil)
        // With both day fields restricted, the weekday alone can match.
        #expect(cronError("0 0 30 2 MON") == nil)
    }

    /// (text, message, offset): every kind of error, with where it starts in the text as given.
    static let errors: [(String, String, Int)] = [
        ("", "the schedule is empty; write five fields, minute hour day-of-month month day-of-week (e.g. \"0 2 * * *\"), or a macro such as @daily", 0),
        ("   ", "the schedule is empty; write five fields, minute hour day-of-month month day-of-week (e.g. \"0 2 * * *\"), or a macro such as @daily", 0),
        ("61 * * * *", "minute 61 is out of range 0-59", 0),
        ("0 24 * * *", "hour 24 is out of range 0-23", 2),
        ("0 0 32 * *", "day-of-month 32 is out of range 1-31", 4),
        ("0 0 0 * *", "day-of-month 0 is out of range 1-31", 4),
        ("0 0 * 13 *", "month 13 is out of range 1-12 or JAN-DEC", 6),
        ("0 0 * 0 *", "month 0 is out of range 1-12 or JAN-DEC", 6),
        ("0 0 * * 8", "day-of-week 8 is out of range 0-7 (0 and 7 are Sunday) or SUN-SAT", 8),
        ("99999999999 * * * *", "minute 99999999999 is out of range 0-59", 0),
        ("0060 * * * *", "minute 0060 is out of range 0-59", 0),
        ("*/99999999999999999999 * * * *", "step 99999999999999999999 is longer than the minute field's range 0-59", 2),
        ("  0 61 * * *", "hour 61 is out of range 0-23", 4),
        ("\t61 0 * * *", "minute 61 is out of range 0-59", 1),
        ("0 1-61 * * *", "hour 61 is out of range 0-23", 4),
        ("5-1 * * * *", "minute range 5-1 is reversed; ranges go from low to high: write 1-5, or 5-59,0-1 to wrap around", 0),
        ("0 22-2 * * *", "hour range 22-2 is reversed; ranges go from low to high: write 2-22, or 22-23,0-2 to wrap around", 2),
        ("0 0 * NOV-FEB *", "month range NOV-FEB is reversed; ranges go from low to high: write FEB-NOV, or NOV-DEC,JAN-FEB to wrap around", 6),
        ("0 0 * * FRI-MON", "day-of-week range FRI-MON is reversed; ranges go from low to high: write MON-FRI, or FRI-SAT,SUN-MON to wrap around", 8),
        ("0 0 * * 7-3", "day-of-week range 7-3 is reversed: 7 is Sunday; write 0-3", 8),
        ("*/0 * * * *", "step 0 in the minute field: a step is at least 1", 2),
        ("0 1-5/0 * * *", "step 0 in the hour field: a step is at least 1", 6),
        ("*/ * * * *", "expected a step after '/', e.g. */5", 2),
        ("*/x * * * *", "a step is a whole number, e.g. */5", 2),
        ("1- * * * *", "expected a number after '-' in the minute field, which takes 0-59", 2),
        ("1,,2 * * * *", "empty item in the minute list: remove the extra ','", 2),
        (",1 * * * *", "empty item in the minute list: remove the extra ','", 0),
        ("0 1, * * *", "empty item in the hour list: remove the extra ','", 4),
        ("1-2-3 * * * *", "unexpected '-' in the minute field: a range is A-B with 0-59", 3),
        ("-1 * * * *", "unexpected '-' in the minute field: a range is A-B with 0-59", 0),
        ("5/ * * * *", "expected a step after '/', e.g. */5", 2),
        ("*-5 * * * *", "unexpected '-' in the minute field: a range is A-B with 0-59", 1),
        ("x * * * *", "'x' is not a number; the minute field takes 0-59", 0),
        ("1.5 * * * *", "unexpected '.' in the minute field; write *, N, A-B, */S, A-B/S or N/S, or a comma list of these, with 0-59", 1),
        ("MON * * * *", "'MON' is a day of the week name; the minute field takes 0-59", 0),
        ("0 0 * MON *", "'MON' is a day of the week name; the month field takes 1-12 or JAN-DEC", 6),
        ("0 0 * * JAN", "'JAN' is a month name; the day-of-week field takes 0-7 (0 and 7 are Sunday) or SUN-SAT", 8),
        ("0 0 * * MOM", "unknown day of the week 'MOM'; write SUN, MON, TUE, WED, THU, FRI, SAT or 0-7", 8),
        ("0 0 * JUNE *", "write the three-letter name JUN for 'JUNE'", 6),
        ("0 0 * * Monday", "write the three-letter name MON for 'Monday'", 8),
        ("0 0 ? * MON", "'?' is not supported in a five-field schedule; write '*' for any", 4),
        ("0 0 L * *", "'L' (last day) is not supported in a five-field schedule; write day numbers or names", 4),
        ("0 0 LW * *", "'LW' (last day) is not supported in a five-field schedule; write day numbers or names", 4),
        ("0 0 15W * *", "'15W' (nearest weekday) is not supported in a five-field schedule; write day numbers or names", 4),
        ("0 0 * * 5L", "'5L' (last day) is not supported in a five-field schedule; write day numbers or names", 8),
        ("0 0 * * MON#2", "'#' (the n-th weekday of the month) is not supported in a five-field schedule", 11),
        ("0 0 * * 1\u{00A0}2", "unexpected whitespace in the day-of-week field; write *, N, A-B, */S, A-B/S or N/S, or a comma list of these, with 0-7 (0 and 7 are Sunday) or SUN-SAT", 9),
        ("0 2 * *", "4 fields, but a schedule has five: minute hour day-of-month month day-of-week; missing: day-of-week", 7),
        ("0", "1 field, but a schedule has five: minute hour day-of-month month day-of-week; missing: hour day-of-month month day-of-week", 1),
        ("0 0 2 * * *", "6 fields, but a schedule has five: minute hour day-of-month month day-of-week (seconds and years are not supported)", 10),
        ("0 0 2 * * ? 2026", "7 fields, but a schedule has five: minute hour day-of-month month day-of-week (seconds and years are not supported)", 10),
        ("@reboot", "@reboot is not supported: a scheduled task runs at times of day; write five fields or @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly", 0),
        ("@every 5m", "@every is not supported; write a step instead, e.g. \"*/15 * * * *\" for every 15 minutes", 0),
        ("@dayly", "unknown macro '@dayly'; write @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly, or five fields", 0),
        (" @daily 5", "@daily stands alone: remove what follows it, or write five fields instead", 8),
        ("0 0 30 2 *", "never matches: February has no day 30; choose days that these months have, or other months", 4),
        ("0 0 30-31 FEB *", "never matches: February has no day 30 or 31; choose days that these months have, or other months", 4),
        ("0 0 31 4,6,9,11 *", "never matches: April, June, September and November have no day 31; choose days that these months have, or other months", 4),
        ("0 0 31 2,4 *", "never matches: February and April have no day 31; choose days that these months have, or other months", 4),
        // A day-of-week field that starts with `*` does not rescue the day (both must match).
        ("0 0 31 2 */2", "never matches: February has no day 31; choose days that these months have, or other months", 4),
    ]

    @Test(arguments: errors)
    func error(_ text: String, _ message: String, _ offset: Int) {
        let error = cronError(text)
        #expect(error?.message == message)
        #expect(error?.offset == offset)
        #expect(error?.description == error?.message)
    }

    @Test func offsetsCountCharactersOfTheUntrimmedText() {
        // "\r\n" is one Character (two Unicode scalars); the bad field starts at Character 5.
        #expect(cronError("\r\n  0 61 * * *")?.offset == 5)
        // "é" written as e + combining accent is one Character too.
        #expect(cronError("0 0 * * e\u{301} 1")?.offset == 10)
    }
}
