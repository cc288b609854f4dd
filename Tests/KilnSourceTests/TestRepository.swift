import Foundation
import KilnTestSupport

/// A git repository in a temporary folder, made with the `git` CLI (tests only; Kiln itself never runs git).
final class TestRepository {
    let path: String
    private var clock: Int

    /// A new repository whose `HEAD` is the unborn branch `branch`.
    init(bare: Bool = false, branch: String = "main") throws {
        path = try Self.temporaryFolder()
        clock = 1_700_000_000
        try git(["init", "-q", "-b", branch] + (bare ? ["--bare"] : []))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    var url: String { "file://\(path)" }

    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-git-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs git in the repository with no user or system config, fixed identities and a fixed, advancing clock.
    @discardableResult
    func git(_ arguments: [String], input: Data? = nil) throws -> String {
        clock += 60
        return try Self.run(
            ["git", "-C", path] + arguments, input: input,
            environment: [
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": path,
                "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.org",
                "GIT_COMMITTER_NAME": "Kiln Tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
                "GIT_AUTHOR_DATE": "\(clock) +0000", "GIT_COMMITTER_DATE": "\(clock) +0000",
                "GIT_ALLOW_PROTOCOL": "file"
            ])
    }

    func write(_ file: String, _ text: String) throws {
        try write(file, Data(text.utf8))
    }

    func write(_ file: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: url.path)
            || (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
        {
            try FileManager.default.removeItem(at: url)
        }
        try data.write(to: url)
    }

    func symlink(_ file: String, to target: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    func remove(_ file: String) throws {
        try git(["rm", "-q", "-r", file])
    }

    func move(_ from: String, _ to: String) throws {
        try git(["mv", from, to])
    }

    /// Adds a submodule entry (mode 160000) at `file` pointing at `commit`, as `git submodule add` records it.
    func addSubmodule(_ file: String, commit: String, url: String) throws {
        try write(".gitmodules", "[submodule \"\(file)\"]\n\tpath = \(file)\n\turl = \(url)\n")
        try git(["add", ".gitmodules"])
        try git(["update-index", "--add", "--cacheinfo", "160000,\(commit),\(file)"])
    }

    /// Commits everything in the work tree (or, with `addAll: false`, what is staged); returns the new commit id.
    @discardableResult
    func commit(_ message: String, addAll: Bool = true) throws -> String {
        if addAll { try git(["add", "-A"]) }
        try git(["commit", "-q", "--allow-empty", "-m", message])
        return try head()
    }

    func head() throws -> String {
        try git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func revParse(_ revision: String) throws -> String {
        try git(["rev-parse", revision]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @discardableResult
    static func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> String {
        let result = try ChildProcess.runSync("/usr/bin/env", arguments, input: input, environment: environment)
        guard result.exitCode == 0, !result.signalled else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }
}
