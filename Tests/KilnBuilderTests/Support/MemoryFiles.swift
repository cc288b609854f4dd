import KilnSpec

/// The files of a commit, held in memory: what a git reader gives the builder, without a repository.
struct MemoryFiles: SpecFileReader {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is not in the commit" }
    }

    var files: [String: [UInt8]]

    init(_ files: [String: String]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    init(bytes: [String: [UInt8]]) {
        self.files = bytes
    }

    func read(_ path: String) throws -> [UInt8] {
        guard let bytes = files[path] else { throw Missing(path: path) }
        return bytes
    }
}
