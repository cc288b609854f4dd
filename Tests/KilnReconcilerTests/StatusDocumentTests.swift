import Foundation
import Testing

@testable import KilnReconciler

@Suite struct StatusDocumentTests {
    /// The hand-written ISO-8601 writer gives what Foundation's format style gives, fractions dropped, for dates on
    /// either side of 1970, a leap day, the ends of a day and of a year, and years it hands to the format style.
    @Test(arguments: [
        0, 1, 59.999, 86_399.5, 951_782_400, 1_796_506_807.25, 1_798_761_599, 4_102_444_800, -1, -86_401.5,
        -62_135_596_800, 253_402_300_799, 253_402_300_800
    ])
    func iso8601MatchesTheFormatStyle(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(StatusDocument.iso8601(date) == StatusDocument.formatted(date))
    }

    @Test func iso8601IsUTCWithoutAFraction() {
        #expect(StatusDocument.iso8601(Date(timeIntervalSince1970: 1_796_506_807.75)) == "2026-12-05T21:40:07Z")
    }
}
