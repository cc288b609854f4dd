import KilnSpec
import Testing

@Suite("SpecValue JSON parsing")
struct SpecValueJSONParsingTests {
    @Test(
        "canonical JSON reads back to the same value",
        arguments: [
            SpecValue.object(["a": .list([.int(1), .double(2.5), .bool(true), .null, .string("x")]), "b": .object([:])]
            ),
            .string("quote \" backslash \\ newline \n tab \t control \u{01} emoji 🎉 ü"),
            .list([]), .int(-42), .double(1e-7), .bool(false)
        ])
    func roundTrip(_ value: SpecValue) throws {
        let parsed = try #require(SpecValue(json: value.canonicalJSON))
        #expect(parsed.canonicalJSON == value.canonicalJSON)
    }

    @Test("escapes, surrogate pairs and whitespace")
    func escapes() {
        #expect(SpecValue(json: #" { "k" : [ "\u00fc\ud83c\udf89\/" ] } "#) == .object(["k": .list([.string("ü🎉/")])]))
    }

    @Test(
        "malformed JSON is refused, never half read",
        arguments: [
            "", "{", "[1,]", "{\"a\" 1}", "\"unterminated", "tru", "[1] 2", "\"\\ud83c\"", "{\"a\":}", "\"\\x\""
        ])
    func malformed(_ text: String) {
        #expect(SpecValue(json: text) == nil)
    }
}
