import KilnSpec
import KilnYAML

/// A spec file from a pull request, through the YAML loader and the spec checks.
enum YAMLFuzz {
    static let path = "specs/fuzz.yaml"

    static func run(_ bytes: [UInt8]) {
        let parsed = DocumentParser.parse(path: path, bytes: bytes)
        // Every refusal points into the file, as `file:line:column`.
        // YAML breaks lines at CR as well as LF (and CRLF once); counting both bytes bounds the line number from above.
        let lines = bytes.count(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) + 1
        for error in parsed.errors {
            promise(error.file == path, "an error names another file: \(error)")
            promise(error.line >= 1 && error.line <= lines + 1, "an error's line is outside the file: \(error)")
            promise(error.column >= 1, "an error's column is before the line: \(error)")
            promise(!error.message.isEmpty, "an error says nothing at \(error.line):\(error.column)")
        }
        // Reading the same bytes again gives the same answer: nothing depends on state left from an earlier input.
        let again = DocumentParser.parse(path: path, bytes: bytes)
        promise(again.errors == parsed.errors, "a second read of the same bytes gave other errors")
        promise(again.objects.count == parsed.objects.count, "a second read of the same bytes gave other objects")
    }
}
