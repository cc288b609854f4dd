import Foundation

/// One case of the bad-input corpus (`Tests/Fixtures/bad/<group>/<case>`): a file whose first comment lines say what
/// it is (`# <description>`) and what Kiln must answer (`# expect: <text>`). A `.yaml` or `.http` file is the input
/// itself; a `.sh` or `.py` file is a script that makes the input at run time (big or binary inputs: bombs, huge
/// blobs, disk images, odd git trees). A `# never: <text>` line names a secret the answer must not repeat.
struct BadInputCase: Sendable, CustomStringConvertible {
    /// The folder: yaml, spec, url, catalog, git, archive, image or http.
    var group: String
    /// The file name without its extension.
    var name: String
    var file: String
    var description: String
    var expect: String
    /// Text that must never appear in the answer (`# never: <text>`): a secret the input carries.
    var never: String?
    var bytes: Data

    var isScript: Bool { file.hasSuffix(".sh") || file.hasSuffix(".py") }
    var interpreter: String { file.hasSuffix(".py") ? "python3" : "bash" }

    /// `group/file`, as the README's table names it.
    var id: String { "\(group)/\((file as NSString).lastPathComponent)" }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(group: String, file: String) throws {
        self.group = group
        self.file = file
        let base = (file as NSString).lastPathComponent
        name = (base as NSString).deletingPathExtension
        bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        // The header is ASCII comment lines at the top; the rest may be any bytes.
        var description: String?
        var expect: String?
        var never: String?
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard line.first == UInt8(ascii: "#") else { break }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("# expect:") {
                expect = String(text.dropFirst("# expect:".count)).trimmingCharacters(in: .whitespaces)
            } else if text.hasPrefix("# never:") {
                never = String(text.dropFirst("# never:".count)).trimmingCharacters(in: .whitespaces)
            } else if description == nil {
                description = String(text.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
        }
        guard let description, !description.isEmpty, let expect, !expect.isEmpty else {
            throw Malformed(description: "\(file): a case starts with '# <description>' and '# expect: <text>' lines")
        }
        self.description = description
        self.expect = expect
        self.never = never
    }

    /// Every case, by group and name.
    static func all(in root: String) throws -> [BadInputCase] {
        var cases: [BadInputCase] = []
        for group in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(root)/\(group)", isDirectory: &isFolder), isFolder.boolValue
            else { continue }
            for file in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(group)").sorted() {
                cases.append(try BadInputCase(group: group, file: "\(root)/\(group)/\(file)"))
            }
        }
        return cases
    }
}
