import KilnSpec
import Testing

@Suite struct SpecDurationTests {
    @Test(arguments: [
        ("30s", Int64(30_000), "30s"), ("10m", 600_000, "10m"), ("1h30m", 5_400_000, "1h30m"), ("500ms", 500, "500ms"),
        ("90s", 90_000, "1m30s"), ("60m", 3_600_000, "1h"), ("0s", 0, "0s"), ("1h1s", 3_601_000, "1h1s"),
        ("1s500ms", 1_500, "1500ms"), ("999999999s", 999_999_999_000, "277777h46m39s")
    ])
    func durationsParseAndPrintCanonically(text: String, milliseconds: Int64, description: String) throws {
        let duration = try SpecDuration.parse(text).get()
        #expect(duration.milliseconds == milliseconds)
        #expect(duration.description == description)
    }

    @Test(arguments: ["", "10", "10x", "1.5h", "-1s", "10 s", "s", "1d", "1234567890s", "1H", "1h 30m"])
    func malformedDurationsAreRefused(text: String) {
        #expect(
            SpecDuration.parse(text).failureMessage
                == "\(quoted(text)) is not a duration (write 30s, 10m, 1h30m or 500ms)")
    }

    /// Thousands of parts of 999,999,999 hours would overflow 64 bits: refused, never a trap.
    @Test func aDurationTooLongForSixtyFourBitsIsRefused() {
        let text = String(repeating: "999999999h", count: 3_000)
        #expect(SpecDuration.parse(text).failureMessage == "\(quoted(text)) is too large")
    }
}
