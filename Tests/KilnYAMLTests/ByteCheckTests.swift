import KilnYAML
import Testing

/// Bytes are checked before libyaml sees them, so that each refusal names a line and column.
@Suite struct ByteCheckTests {
    @Test(
        arguments: [([UInt8], String)]([
            // A stray byte that never starts a UTF-8 sequence.
            (
                bytes("a: b\nc: ", [0xFF], "\n"),
                "t.yaml:2:4: invalid UTF-8 byte 0xff; save the file as UTF-8"
            ),
            // Latin-1 "é" as a single byte.
            (
                bytes("name: caf", [0xE9], "\n"),
                "t.yaml:1:10: invalid UTF-8 sequence; save the file as UTF-8"
            ),
            // A two-byte overlong encoding of "/".
            (bytes("a: ", [0xC0, 0xAF]), "t.yaml:1:4: invalid UTF-8 byte 0xc0; save the file as UTF-8"),
            // A three-byte overlong encoding of "/".
            (bytes("a: ", [0xE0, 0x80, 0xAF]), "t.yaml:1:4: invalid UTF-8 sequence; save the file as UTF-8"),
            // A UTF-16 surrogate encoded as UTF-8.
            (bytes("a: ", [0xED, 0xA0, 0x80]), "t.yaml:1:4: invalid UTF-8 sequence; save the file as UTF-8"),
            // Above U+10FFFF.
            (bytes("a: ", [0xF4, 0x90, 0x80, 0x80]), "t.yaml:1:4: invalid UTF-8 sequence; save the file as UTF-8"),
            // A continuation byte on its own.
            (bytes("a: ", [0x80]), "t.yaml:1:4: invalid UTF-8 byte 0x80; save the file as UTF-8"),
            // Cut off at the end of the file.
            (bytes("a: ", [0xE2, 0x82]), "t.yaml:1:4: truncated UTF-8 sequence at end of file; save the file as UTF-8")
        ]))
    func invalidUTF8IsRefusedWhereItStarts(bytes: [UInt8], expected: String) {
        #expect(errors(bytes: bytes) == [expected])
    }

    @Test func columnsBeforeABadByteCountCharacters() {
        #expect(
            errors(bytes: bytes("é€😀: ", [0xFF])) == [
                "t.yaml:1:6: invalid UTF-8 byte 0xff; save the file as UTF-8"
            ])
    }

    @Test(
        arguments: [([UInt8], String)]([
            (bytes("a: b", [0x00], "\n"), "t.yaml:1:5: a NUL byte is not allowed in a spec file"),
            (bytes("a: \"", [0x00], "\"\n"), "t.yaml:1:5: a NUL byte is not allowed in a spec file"),
            (bytes("a: 1\nb: ", [0x01]), "t.yaml:2:4: control character 0x1 is not allowed in a spec file"),
            (bytes("a: ", [0x1B], "[31m\n"), "t.yaml:1:4: control character 0x1b is not allowed in a spec file"),
            (bytes("a: ", [0x7F]), "t.yaml:1:4: control character 0x7f is not allowed in a spec file")
        ]))
    func nulAndControlBytesAreRefused(bytes: [UInt8], expected: String) {
        #expect(errors(bytes: bytes) == [expected])
    }

    @Test func tabsCarriageReturnsAndNonASCIITextAreFine() throws {
        let node = try root("a: \"x\ty\"\r\nb: 日本語 — ok\r\n")
        #expect(node["a"]?.scalar == "x\ty")
        #expect(node["b"]?.scalar == "日本語 — ok")
    }

    @Test func aByteOrderMarkIsFineAtTheStart() throws {
        let node = try root("\u{FEFF}name: web\n")
        #expect(node["name"]?.scalar == "web")
        #expect(node["name"]?.mark.line == 1)
    }

    @Test func aByteOrderMarkInTheMiddleIsRefused() {
        #expect(
            errors("name: web\nimage: \u{FEFF}debian\n") == [
                "t.yaml:2:8: a byte-order mark is only allowed at the start of a file"
            ])
        #expect(
            errors("a: 1\n---\n\u{FEFF}b: 2\n") == [
                "t.yaml:3:1: a byte-order mark is only allowed at the start of a file"
            ])
    }

    @Test func onlyTheFirstBadByteIsReported() {
        #expect(
            errors(bytes: [0x01, 0x0A, 0xFF]) == ["t.yaml:1:1: control character 0x1 is not allowed in a spec file"])
    }
}
