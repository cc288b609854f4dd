import Crypto
import Foundation
import KilnSpec

/// Reads the spec files of a folder as they are on disk (a plain folder or a work tree): what `kiln validate` checks
/// before a commit exists.
///
/// The same rules as for a commit apply: `*.yaml` and `*.yml` files under the spec root; names starting with `.` are
/// skipped (`.git`, `.github`); a symlink is never followed and is an error where a spec or a referenced file is.
public struct FolderSource: Sendable {
    public var repository: String
    /// The spec root, relative to `repository`; empty for the repository's root.
    public var specRoot: String
    public var limits: SourceLimits

    public init(repository: String, specRoot: String = "", limits: SourceLimits = .default) {
        self.repository = repository
        self.specRoot = specRoot
        self.limits = limits
    }

    public func load() -> Result<Snapshot, SnapshotAssembler.Failure> {
        let root = specRoot.isEmpty ? repository : "\(repository)/\(specRoot)"
        let shown = specRoot.isEmpty ? "." : specRoot
        var info = stat()
        guard lstat(root, &info) == 0 else {
            return .failure(
                .init(errors: [
                    SpecError(
                        file: shown, line: 1, column: 1,
                        message: "the spec root does not exist (check --repo and --path)")
                ]))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            let what = info.st_mode & S_IFMT == S_IFLNK ? "a symlink" : "not a folder"
            return .failure(
                .init(errors: [SpecError(file: shown, line: 1, column: 1, message: "the spec root is \(what)")]))
        }
        var walk = Walk(limits: limits)
        walk.visit(folder: root, shown: specRoot)
        return SnapshotAssembler.assemble(
            files: walk.files, tree: FolderTree(root: root, shown: specRoot), revision: nil,
            extraErrors: walk.errors)
    }

    private struct Walk {
        let limits: SourceLimits
        var files: [ParsedFile] = []
        var errors: [SpecError] = []
        var count = 0
        var bytes = 0
        var stopped = false

        init(limits: SourceLimits) { self.limits = limits }

        mutating func visit(folder: String, shown: String) {
            guard !stopped, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = "\(folder)/\(name)"
                let display = shown.isEmpty ? name : "\(shown)/\(name)"
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if SourceLimits.isSpecFile(name), let problem = SourcePathName.problem(display) {
                    errors.append(SpecError(file: SourcePathName.shown(display), line: 1, column: 1, message: problem))
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    visit(folder: path, shown: display)
                case S_IFLNK where SourceLimits.isSpecFile(name):
                    errors.append(
                        SpecError(
                            file: display, line: 1, column: 1,
                            message:
                                "is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)"
                        ))
                case S_IFREG where SourceLimits.isSpecFile(name):
                    read(path, display, size: Int(info.st_size))
                default:
                    continue
                }
                if stopped { return }
            }
        }

        mutating func read(_ path: String, _ display: String, size: Int) {
            count += 1
            bytes += size
            if count > limits.maxFiles {
                errors.append(
                    SpecError(
                        file: display, line: 1, column: 1,
                        message: "more than \(limits.maxFiles) spec files under the spec root; split the repository"))
                stopped = true
                return
            }
            if bytes > limits.maxTotalBytes {
                errors.append(
                    SpecError(
                        file: display, line: 1, column: 1,
                        message: "spec files add up to more than \(limits.maxTotalBytes) bytes; split the repository"))
                stopped = true
                return
            }
            if size > limits.yaml.maxFileBytes {
                errors.append(
                    SpecError(
                        file: display, line: 1, column: 1,
                        message:
                            "file is \(size) bytes, over the limit of \(limits.yaml.maxFileBytes) bytes per spec file; split it into smaller files"
                    ))
                return
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(SpecError(file: display, line: 1, column: 1, message: "cannot be read"))
                return
            }
            files.append(DocumentParser.parse(path: display, bytes: [UInt8](data), limits: limits.yaml))
        }
    }
}

/// Paths under a folder, checked component by component so that no symlink is ever followed.
struct FolderTree: TreeReader {
    let root: String
    /// The spec root as errors name it (relative to the repository).
    var shown = ""

    func displayPath(_ path: String) -> String { shown.isEmpty ? path : "\(shown)/\(path)" }

    /// A regular file's bytes, checked on the way as ``entry(at:)`` does (no symlink is followed).
    func contents(at path: String, limit: Int) -> TreeFileContents? {
        guard let entry = entry(at: path), entry.type == .file || entry.type == .executable else { return nil }
        let full = "\(root)/\(path)"
        var info = stat()
        guard lstat(full, &info) == 0 else { return nil }
        guard Int(info.st_size) <= limit else { return .tooLarge(Int(info.st_size)) }
        return FileManager.default.contents(atPath: full).map { .bytes([UInt8]($0)) }
    }

    func entry(at path: String) -> TreeEntry? {
        var current = root
        let parts = path.split(separator: "/")
        for (i, part) in parts.enumerated() {
            current += "/\(part)"
            var info = stat()
            guard lstat(current, &info) == 0 else { return nil }
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK { return TreeEntry(type: .symlink, digest: nil) }
            if i < parts.count - 1 {
                guard type == S_IFDIR else { return nil }
                continue
            }
            if type == S_IFDIR { return TreeEntry(type: .directory, digest: nil) }
            guard type == S_IFREG else { return nil }
            let executable = info.st_mode & S_IXUSR != 0
            return TreeEntry(type: executable ? .executable : .file, digest: Self.sha256(of: current))
        }
        return TreeEntry(type: .directory, digest: nil)
    }

    static func sha256(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return "sha256:" + Digest.hex(hasher.finalize())
    }
}
