/// Checks raw bytes before libyaml sees them, so the errors name a line and column.
enum ByteCheck {
    struct Problem {
        var mark: Mark
        var message: String
    }

    /// The first byte that is not valid UTF-8, or a NUL or other C0 control character (tab, LF, CR are fine).
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var line = 1
        var lineStart = 0
        var i = 0
        let n = bytes.count
        func mark(_ at: Int) -> Mark {
            // Columns count characters, as libyaml does: skip UTF-8 continuation bytes.
            var column = 1
            var j = lineStart
            while j < at {
                if bytes[j] & 0xC0 != 0x80 { column += 1 }
                j += 1
            }
            return Mark(line: line, column: column, offset: at)
        }
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0A {
                    line += 1
                    lineStart = i + 1
                } else if b < 0x20 && b != 0x09 && b != 0x0D {
                    let name = b == 0 ? "a NUL byte" : "control character 0x\(String(b, radix: 16))"
                    return Problem(mark: mark(i), message: "\(name) is not allowed in a spec file")
                } else if b == 0x7F {
                    return Problem(mark: mark(i), message: "control character 0x7f is not allowed in a spec file")
                }
                i += 1
                continue
            }
            let length: Int
            let minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF:
                length = 2
                minimum = 0x80
                scalar = UInt32(b & 0x1F)
            case 0xE0...0xEF:
                length = 3
                minimum = 0x800
                scalar = UInt32(b & 0x0F)
            case 0xF0...0xF4:
                length = 4
                minimum = 0x10000
                scalar = UInt32(b & 0x07)
            default:
                return Problem(
                    mark: mark(i), message: "invalid UTF-8 byte 0x\(String(b, radix: 16)); save the file as UTF-8")
            }
            for k in 1..<length {
                // A sequence cut short by the end of the file is "truncated"; one cut short by any other byte (a
                // Latin-1 "é" before a newline) is simply invalid.
                guard i + k < n else {
                    return Problem(
                        mark: mark(i), message: "truncated UTF-8 sequence at end of file; save the file as UTF-8")
                }
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else {
                    return Problem(mark: mark(i), message: "invalid UTF-8 sequence; save the file as UTF-8")
                }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return Problem(mark: mark(i), message: "invalid UTF-8 sequence; save the file as UTF-8")
            }
            if scalar == 0xFEFF && i != 0 {
                return Problem(mark: mark(i), message: "a byte-order mark is only allowed at the start of a file")
            }
            i += length
        }
        return nil
    }
}
