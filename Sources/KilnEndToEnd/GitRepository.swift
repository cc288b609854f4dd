import Foundation
import KilnTestSupport

/// Someone who writes commits.
public struct Person: Sendable, Hashable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    public static let ada = Person(name: "Ada Lovelace", email: "ada@example.org")
    public static let grace = Person(name: "Grace Hopper", email: "grace@example.org")
    public static let mallory = Person(name: "Mallory Mayhem", email: "mallory@example.org")
}

/// A git work tree in a test's scratch folder, driven with the `git` CLI (tests only; Kiln itself reads git through
/// libgit2). No user or system git config is read, and every commit gets a fixed committer and a clock that starts
/// at a fixed time and advances a minute per commit, so the same commits give the same commit ids on every machine.
public final class GitRepository: @unchecked Sendable {
    public let path: String
    /// Seconds since 1970 of the next commit. Mutated only by the one test that owns the repository.
    private var clock: Int

    /// A new repository at `path` whose branch `main` is unborn.
    public init(at path: String, start: Int = 1_750_000_000) async throws {
        self.path = path
        clock = start
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try await git(["init", "-q", "-b", "main"])
    }

    /// The environment every git call gets: no config files, fixed identities and dates.
    public func environment(author: Person) -> [String: String] {
        [
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": path, "TZ": "UTC",
            "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": "Kiln Tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
            "GIT_AUTHOR_DATE": "\(clock) +0000", "GIT_COMMITTER_DATE": "\(clock) +0000"
        ]
    }

    /// Runs git in the work tree and returns its stdout; a failure throws with git's stderr.
    @discardableResult
    public func git(_ arguments: [String], author: Person = .ada) async throws -> String {
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["git", "-C", path] + arguments,
            environment: environment(author: author), timeout: .seconds(120))
        guard result.exitCode == 0, !result.signalled else {
            throw CommandFailure(command: "git " + arguments.joined(separator: " "), result: result)
        }
        return result.stdout
    }

    /// Writes a file of the work tree (folders made as needed); `executable` sets mode 0755, else 0644.
    public func write(_ file: String, _ text: String, executable: Bool = false) throws {
        let full = "\(path)/\(file)"
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        if (try? FileManager.default.attributesOfItem(atPath: full)) != nil {
            try FileManager.default.removeItem(atPath: full)
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: full)
    }

    /// Reads a file of the work tree.
    public func read(_ file: String) throws -> String {
        try String(contentsOfFile: "\(path)/\(file)", encoding: .utf8)
    }

    /// Replaces `old` with `new` in a file of the work tree; throws when `old` is not there.
    public func edit(_ file: String, replacing old: String, with new: String) throws {
        let text = try read(file)
        guard text.contains(old) else { throw EditFailure(file: file, missing: old) }
        try write(file, text.replacingOccurrences(of: old, with: new))
    }

    public struct EditFailure: Error, CustomStringConvertible {
        public var file: String
        public var missing: String
        public var description: String { "\(file) does not contain \(missing)" }
    }

    /// Removes a file or folder of the work tree.
    public func remove(_ file: String) throws {
        try FileManager.default.removeItem(atPath: "\(path)/\(file)")
    }

    /// Commits everything in the work tree as `author` (with `body`, e.g. trailers, as further paragraphs) and
    /// returns the new commit's id.
    @discardableResult
    public func commit(_ message: String, body: String? = nil, author: Person = .ada) async throws -> String {
        try await git(["add", "-A"], author: author)
        var arguments = ["commit", "-q", "--allow-empty", "-m", message]
        if let body { arguments += ["-m", body] }
        try await git(arguments, author: author)
        clock += 60
        return try await head()
    }

    /// The id of `HEAD`.
    public func head() async throws -> String {
        try await revParse("HEAD")
    }

    /// The full id of a revision.
    public func revParse(_ revision: String) async throws -> String {
        try await git(["rev-parse", "--verify", "\(revision)^{commit}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates a lightweight tag at `HEAD`.
    public func tag(_ name: String) async throws {
        try await git(["tag", name])
    }

    /// Creates a branch at `HEAD` and checks it out.
    public func checkoutNewBranch(_ name: String) async throws {
        try await git(["checkout", "-q", "-b", name])
    }

    /// Checks out an existing branch.
    public func checkout(_ name: String) async throws {
        try await git(["checkout", "-q", name])
    }

    /// Commits the revert of `HEAD` as `author`; returns the new commit's id.
    @discardableResult
    public func revertHead(author: Person = .ada) async throws -> String {
        try await git(["revert", "--no-edit", "HEAD"], author: author)
        clock += 60
        return try await head()
    }
}
