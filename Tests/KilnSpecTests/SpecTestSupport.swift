import Foundation
import KilnSpec
import KilnYAML
import Testing

/// The file name documents are parsed under in tests; every error names it.
let specFile = "s.yaml"

/// Spec documents with a fixed five-line envelope, so that line 1 of a spec body is line 6 of the file and a body
/// line's column is its column in the body plus two:
///
///     1 apiVersion: kiln.dev/v1
///     2 kind: <kind>
///     3 metadata:
///     4   name: <name>
///     5 spec:
///     6   <body line 1>
enum Doc {
    /// The smallest valid spec of each kind.
    static let buildBody = "type: qemu\nsource: {scratch: true}"
    static let imageBody = "osType: linux\nhypervisor: false\nsupportsVirtualMachine: true"
    static let vmBody = "image: web"

    static func document(_ kind: Kind, name: String = "web", _ body: String) -> String {
        let spec = body.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(
            separator: "\n")
        return "apiVersion: kiln.dev/v1\nkind: \(kind.rawValue)\nmetadata:\n  name: \(name)\nspec:\n\(spec)\n"
    }

    static func build(name: String = "web", _ body: String = buildBody) -> String {
        document(.imageBuild, name: name, body)
    }
    static func image(name: String = "web", _ body: String = imageBody) -> String { document(.image, name: name, body) }
    static func vm(name: String = "web", _ body: String = vmBody) -> String {
        document(.virtualMachine, name: name, body)
    }
}

func parse(_ text: String, file: String = specFile) -> ParsedFile {
    DocumentParser.parse(path: file, text: text)
}

/// Every error of a file, rendered as `kiln validate` prints it: `file:line:column: path: message`.
func errors(_ text: String, file: String = specFile) -> [String] {
    parse(text, file: file).errors.map(\.description)
}

/// The only object of a file that must be valid.
func object(
    _ text: String, file: String = specFile, sourceLocation: SourceLocation = #_sourceLocation
) throws -> SpecObject {
    let parsed = parse(text, file: file)
    #expect(parsed.errors.isEmpty, "\(parsed.errors.map(\.description))", sourceLocation: sourceLocation)
    try #require(parsed.objects.count == 1, sourceLocation: sourceLocation)
    return parsed.objects[0]
}

/// A repository tree for ``SnapshotAssembler``: the paths that exist and what they are.
struct FakeTree: TreeLookup {
    var entries: [String: TreeEntry] = [:]

    init(files: [String] = [], _ others: [String: TreeEntry.EntryType] = [:]) {
        for file in files { entries[file] = TreeEntry(type: .file, digest: "digest-of-\(file)") }
        for (path, type) in others { entries[path] = TreeEntry(type: type, digest: nil) }
    }

    func entry(at path: String) -> TreeEntry? { entries[path] }
}

/// Parses `files` (path → text) and assembles them as one repository.
func assemble(_ files: [String: String], tree: FakeTree = FakeTree()) -> Result<Snapshot, SnapshotAssembler.Failure> {
    let parsed = files.keys.sorted().map { DocumentParser.parse(path: $0, text: files[$0]!) }
    return SnapshotAssembler.assemble(files: parsed, tree: tree, revision: nil)
}

/// The rendered errors of assembling `files` (empty when the snapshot is valid).
func assemblyErrors(_ files: [String: String], tree: FakeTree = FakeTree()) -> [String] {
    switch assemble(files, tree: tree) {
    case .success: []
    case .failure(let failure): failure.errors.map(\.description)
    }
}

func quoted(_ text: String) -> String { JSONText.quoted(text) }

extension Result where Failure == FormatError {
    /// The message of a refused value, or nil when it was accepted.
    var failureMessage: String? {
        if case .failure(let error) = self { return error.message }
        return nil
    }
}

/// Folders of this repository.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Every file under a folder of the repository, relative to that folder, sorted.
    static func files(under folder: String) -> [String] {
        let base = path(folder)
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(base)/\(name)", isDirectory: &isFolder)
                && !isFolder.boolValue
        }.sorted()
    }

    /// The spec files under a folder of the repository, relative to the repository, sorted. As for `kiln validate`,
    /// names starting with "." are skipped (`.github/workflows/*.yml` is not a spec).
    static func yamlFiles(under folder: String) -> [String] {
        let base = path(folder)
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .filter { !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
            .map { "\(folder)/\($0)" }
            .sorted()
    }
}
