import Foundation
import Testing

@testable import KilnServer

@Suite struct DisplayTextTests {
    @Test(arguments: [
        (Int64(0), "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (20_971_520, "20 MiB"),
        (31_457_280, "30 MiB"), (10_737_418_240, "10 GiB"), (1_610_612_736, "1.5 GiB"), (-5, "0 B")
    ])
    func bytes(_ count: Int64, _ text: String) {
        #expect(DisplayText.bytes(count) == text)
    }

    @Test(arguments: [
        (0.0, "0 s"), (57, "57 s"), (60, "1 min"), (95, "1 min 35 s"), (3600, "1 h"), (7500, "2 h 5 min"), (-3, "0 s"),
        (59.6, "1 min")
    ])
    func duration(_ seconds: Double, _ text: String) {
        #expect(DisplayText.duration(seconds) == text)
    }

    @Test func timeIsUTCForPeopleAndISOForTheScript() {
        let time = TimeText(Date(timeIntervalSince1970: 1_767_225_600 + 7_260))
        #expect(time.text == "2026-01-01 02:01 UTC")
        #expect(time.iso == "2026-01-01T02:01:00Z")
    }

    @Test func commitsAndDigestsAreShortened() {
        #expect(DisplayText.commit("1f0c2a9e5d7b3c4a8e6f") == "1f0c2a9e")
        #expect(DisplayText.digest(String(repeating: "a", count: 64)) == "aaaaaaaaaaaa…")
        #expect(DisplayText.digest("abc") == "abc")
    }

    @Test func namesBecomeOnePathSegment() {
        #expect(ObjectLinks.segment("web-1.example") == "web-1.example")
        #expect(ObjectLinks.segment("a/b?c#d%") == "a%2Fb%3Fc%23d%25")
    }
}
