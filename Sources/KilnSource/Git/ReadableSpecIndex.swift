import KilnSpec

/// A commit's spec root for the assembler: ``SpecIndex``'s lookups, and the blobs of files that specs name as data
/// (a VM's user-data), read from the same commit. Used only during one load, on the loader's own repository handle.
struct ReadableSpecIndex: TreeReader {
    let index: SpecIndex
    let repository: GitRepository
    let odb: GitODB
    let specRoot: String

    func entry(at path: String) -> TreeEntry? { index.entry(at: path) }

    func displayPath(_ path: String) -> String { specRoot.isEmpty ? path : "\(specRoot)/\(path)" }

    func contents(at path: String, limit: Int) -> TreeFileContents? {
        guard let entry = index[path], entry.mode.isFile, let size = try? odb.header(entry.id).size else { return nil }
        guard size <= limit else { return .tooLarge(size) }
        return (try? repository.blob(entry.id).bytes).map(TreeFileContents.bytes)
    }
}
