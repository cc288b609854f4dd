import Foundation

/// The reference for reading objects: `git cat-file --batch`, one process per measurement, as a tool would run it.
enum CatFileBatch {
    /// Reads every object named in `objects` (ids or revisions) and returns the bytes printed.
    @discardableResult
    static func read(_ objects: [String], in repository: String) throws -> Int {
        let input = Data((objects.joined(separator: "\n") + "\n").utf8)
        return try Shell.run(["git", "-C", repository, "cat-file", "--batch"], input: input).count
    }
}
