import KilnSpec

/// What a tree entry's mode says it is. Modes are classified by their type bits, so old non-canonical modes such as
/// 100664 still read as files.
enum EntryMode: Sendable, Hashable {
    case file, executable, folder, symlink, submodule

    init(_ mode: UInt32) {
        switch mode & 0o170000 {
        case 0o040000: self = .folder
        case 0o120000: self = .symlink
        case 0o160000: self = .submodule
        default: self = mode & 0o111 != 0 ? .executable : .file
        }
    }

    var isFile: Bool { self == .file || self == .executable }

    var treeEntryType: TreeEntry.EntryType {
        switch self {
        case .file: .file
        case .executable: .executable
        case .folder: .directory
        case .symlink: .symlink
        case .submodule: .submodule
        }
    }
}
