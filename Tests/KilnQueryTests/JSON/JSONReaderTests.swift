import KilnQuery
import Testing

@Suite struct JSONReaderTests {
    @Test func objectsKeepTheirKeyOrder() throws {
        let value = try JSONReader.parse(#"{"b": 1, "a": -2.5, "c": [true, null, "x\u00e9\n"]}"#)
        guard case .object(let fields) = value else {
            Issue.record("not an object")
            return
        }
        #expect(fields.map(\.key) == ["b", "a", "c"])
        #expect(fields[0].value == .int(1))
        #expect(fields[1].value == .double(-2.5))
        #expect(fields[2].value == .array([.bool(true), .null, .string("xé\n")]))
    }

    @Test(arguments: [
        ("{\"a\":", "unexpected end of the JSON at character 6"),
        ("{\"a\" 1}", "expected ':' after a key at character 6"),
        ("{a: 1}", "expected a quoted key at character 2"),
        ("[1, 2", "unexpected end of the JSON: an array is not closed at character 6"),
        ("{\"a\": 01}", "a number with a leading zero at character 9"),
        ("{} x", "unexpected text after the JSON value at character 4"),
        ("\"\\ud800\"", "a lone UTF-16 surrogate at character 8"),
        ("\"a\u{01}\"", "a control character inside a string at character 3"),
        ("tru", "expected a JSON value at character 1")
    ])
    func errorsSayWhatAndWhere(text: String, message: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(text) }
        do {
            _ = try JSONReader.parse(text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func deepNestingIsRefusedNotRecursedForever() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        do {
            _ = try JSONReader.parse(text)
            Issue.record("accepted")
        } catch {
            #expect(error.problem.contains("nested deeper than"))
        }
    }
}
