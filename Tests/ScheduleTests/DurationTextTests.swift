import Schedule
import Testing

@Suite struct DurationTextTests {
    @Test func parsesEachUnitAndCombinations() {
        #expect(DurationText.parse("90s") == 90)
        #expect(DurationText.parse("30m") == 1800)
        #expect(DurationText.parse("1h") == 3600)
        #expect(DurationText.parse("1h30m") == 5400)
        #expect(DurationText.parse("2d") == 172_800)
        #expect(DurationText.parse("1d12h") == 129_600)
        #expect(DurationText.parse("1d2h3m4s") == 93_784)
        #expect(DurationText.parse("1h0m") == 3600)
        #expect(DurationText.parse("007m") == 420)
        #expect(DurationText.parse("3652d12h") == 315_576_000)
        #expect(DurationText.problem("1h30m") == nil)
    }

    /// (text, problem): every reason a text is not a duration.
    static let problems: [(String, String)] = [
        ("", "empty duration; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("1x", "'1x': unknown unit 'x'; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("90", "'90': no unit after 90; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("1h30", "'1h30': no unit after 30; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("h", "'h': no number before 'h'; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("1H", "'1H': unknown unit 'H'; units are lower-case: d, h, m, s"),
        ("2w", "'2w': unknown unit 'w'; write weeks as days: 7d"),
        ("1y", "'1y': unknown unit 'y'; write years as days: 365d"),
        ("500ms", "'500ms': unknown unit 'ms'; the smallest unit is s"),
        ("5min", "'5min': unknown unit 'min'; write minutes as m: 30m"),
        ("2hours", "'2hours': unknown unit 'hours'; write hours as h: 1h"),
        ("30m1h", "'30m1h': write the largest unit first: 1h30m"),
        ("1h1h", "'1h1h': unit 'h' is written twice; write each unit once, the largest first: 2h"),
        ("0s", "'0s': a duration must be longer than zero; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("0h0m", "'0h0m': a duration must be longer than zero; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("1.5h", "'1.5h': write whole numbers, e.g. 1h30m for an hour and a half"),
        ("1h 30m", "'1h 30m': write the parts without spaces, e.g. 1h30m"),
        (" 1h", "' 1h': write the parts without spaces, e.g. 1h30m"),
        ("-1h", "'-1h': a duration is positive; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("+1h", "'+1h': write the number without a sign; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("1h!", "'1h!': unexpected '!'; write a number and a unit: 90s, 30m, 1h, 1h30m, 2d"),
        ("3653d", "'3653d': more than 10 years; the longest duration is 3652d12h"),
        ("99999999999999999999s", "'99999999999999999999s': more than 10 years; the longest duration is 3652d12h"),
    ]

    @Test(arguments: problems)
    func problem(_ text: String, _ problem: String) {
        #expect(DurationText.problem(text) == problem)
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formatsInTheLargestUnitsFirst() {
        #expect(DurationText.format(5400) == "1h30m")
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(86_400) == "1d")
        #expect(DurationText.format(129_600) == "1d12h")
        #expect(DurationText.format(3661) == "1h1m1s")
        #expect(DurationText.format(59.6) == "1m")
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(0.4) == "0s")
        #expect(DurationText.format(-90) == "-1m30s")
        #expect(DurationText.format(.infinity) == "infs")
    }

    @Test(arguments: [1.0, 59, 60, 61, 3599, 3600, 5400, 86_399, 86_400, 90_061, 315_576_000])
    func formatAndParseRoundTrip(_ seconds: Double) {
        #expect(DurationText.parse(DurationText.format(seconds)) == seconds)
    }
}

@Suite struct DurationFlagTests {
    @Test func readsDurationsPlainSecondsAndOneDecimalUnit() {
        #expect(DurationText.flag("1h30m") == 5400)
        #expect(DurationText.flag("90") == 90)
        #expect(DurationText.flag("2.5") == 2.5)
        #expect(DurationText.flag("1.5h") == 5400)
        #expect(DurationText.flag(" 10m ") == 600)
        #expect(DurationText.flag("0") == 0)
    }

    @Test func refusesWhatIsNoDurationAndWhatIsTooLong() {
        for text in ["", "soon", "-5", "1x", "nan", "inf", "1h 30m", "3653d"] {
            #expect(DurationText.flag(text) == nil, "\(text)")
        }
    }
}
