import Foundation
import KilnSpec
import Testing

@Suite struct SpecValueTests {
    @Test func canonicalJSONSortsKeysByTheirUTF8Bytes() {
        let value = SpecValue.object([
            "b": .int(1), "a": .int(2), "B": .int(3), "é": .int(4), "z": .int(5), "aa": .int(6)
        ])
        #expect(value.canonicalJSON == #"{"B":3,"a":2,"aa":6,"b":1,"z":5,"é":4}"#)
    }

    @Test func canonicalJSONEscapesStrings() {
        #expect(SpecValue.string("a\"b\\c\nd\re\tf\u{01}g—").canonicalJSON == #""a\"b\\c\nd\re\tf\u0001g—""#)
    }

    /// The canonical writer appends bytes, the pretty one scalars: both escape alike, and a string with nothing to
    /// escape (multi-byte characters included) comes out whole, in keys and values at every depth.
    @Test func canonicalJSONMatchesThePrettyWriterWithoutItsWhitespace() {
        let value = SpecValue.object([
            "ключ": .list([.string("\u{1F}\u{7F}é🔥\"\\"), .object(["\u{0}": .string(""), "z\u{1}": .null])]),
            "plain": .string("a longer run of text with nothing to escape in it at all"), "": .double(0.5)
        ])
        #expect(
            value.canonicalJSON
                == #"{"":0.5,"plain":"a longer run of text with nothing to escape in it at all","ключ":["\u001f"#
                + "\u{7F}é🔥" + #"\"\\",{"\u0000":"","z\u0001":null}]}"#)
        let pretty = value.prettyJSON.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "  ", with: "")
            .replacingOccurrences(of: "\": ", with: "\":")
        #expect(value.canonicalJSON == pretty)
    }

    @Test(arguments: [
        (SpecValue.double(1.0), "1"), (.double(1.5), "1.5"), (.double(-0.25), "-0.25"), (.double(.infinity), "null"),
        (.double(.nan), "null"), (.double(1e20), "1e+20"), (.int(-7), "-7"), (.null, "null"), (.bool(true), "true"),
        (.list([]), "[]"), (.object([:]), "{}"), (.list([.int(1), .list([.string("x")])]), #"[1,["x"]]"#)
    ])
    func scalarsAndNestingAreWrittenCanonically(value: SpecValue, json: String) {
        #expect(value.canonicalJSON == json)
    }

    @Test func prettyJSONIndentsWithSortedKeys() {
        let value = SpecValue.object(["b": .list([.int(1), .bool(false)]), "a": .object([:])])
        #expect(value.prettyJSON == "{\n  \"a\": {},\n  \"b\": [\n    1,\n    false\n  ]\n}")
    }

    @Test func accessorsAndRemoving() {
        let value = SpecValue.object([
            "n": .int(1), "s": .string("x"), "l": .list([]), "o": .object([:]), "b": .bool(true)
        ])
        #expect(value["n"]?.int == 1)
        #expect(value["s"]?.string == "x")
        #expect(value["l"]?.list == [])
        #expect(value["o"]?.object == [:])
        #expect(value["b"]?.bool == true)
        #expect(value["s"]?.int == nil)
        #expect(value["missing"] == nil)
        #expect(value.removing(["n", "s", "l"]) == .object(["o": .object([:]), "b": .bool(true)]))
    }
}
