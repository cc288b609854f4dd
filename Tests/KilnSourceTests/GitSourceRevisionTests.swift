import Foundation
import KilnSource
import Testing

@Suite("Revisions users write")
struct GitSourceRevisionTests {
    struct History {
        let repo: TestRepository
        let first: String
        let second: String
        let source: GitSource
    }

    static func history() throws -> History {
        let repo = try TestRepository()
        try Fixtures.small(in: repo)
        let first = try repo.commit("first")
        try repo.git(["tag", "v1"])
        try repo.git(["branch", "feature"])
        try repo.write("vms/web-2.yaml", Fixtures.vm("web-2", image: "web"))
        let second = try repo.commit("second")
        try repo.git(["tag", "-a", "v2", "-m", "release 2"])
        return History(repo: repo, first: first, second: second, source: try GitSource(.init(repository: repo.path)))
    }

    @Test func acceptsCommitIdsBranchesTagsAndHEAD() async throws {
        let h = try Self.history()
        let shortest = try h.repo.git(["rev-parse", "--short=4", h.first]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let cases: [(String, String)] = [
            (h.second, h.second), (h.second.uppercased(), h.second), (String(h.first.prefix(7)), h.first),
            (shortest, h.first), ("main", h.second), ("feature", h.first), ("v1", h.first), ("v2", h.second),
            ("HEAD", h.second), ("refs/heads/feature", h.first), ("refs/tags/v2", h.second),
            (try h.repo.revParse("v2"), h.second)
        ]
        for (text, expected) in cases {
            #expect(try await h.source.resolve(text) == expected, "\(text)")
        }
        #expect(try await h.source.revision(of: "v1").message == "first\n")
        let byTagObject = try await h.source.load(commit: try h.repo.revParse("v2"))
        #expect(byTagObject.revision.id == h.second)
        #expect(try await h.source.load(commit: "feature").revision.id == h.first)
    }

    @Test(arguments: [
        ":/second", "main:vms/web-1.yaml", "HEAD@{1}", "main@{yesterday}", "@", "main^", "main~1",
        "HEAD^{tree}", "v1..main", "v1...main", "-n", "", "refs/remotes/origin/main", "a b", "feature.lock"
    ])
    func refusesRevspecSyntax(_ text: String) async throws {
        let h = try Self.history()
        let error = await expectGitError({ () async throws(GitSourceError) in try await h.source.resolve(text) }) {
            if case .invalidRevision = $0 { true } else { false }
        }
        #expect(error?.description.contains("give a commit id (4 to 40 hex digits), a branch, a tag or HEAD") == true)
    }

    @Test func unknownAmbiguousAndNonCommitRevisionsAreErrors() async throws {
        let h = try Self.history()
        for text in ["nope", "abc", String(repeating: "0", count: 40), "0000"] {
            await expectGitError({ () async throws(GitSourceError) in try await h.source.resolve(text) }) {
                if case .revisionNotFound = $0 { true } else { false }
            }
        }
        let prefix = String(h.first.prefix(8))
        try h.repo.git(["branch", prefix, h.second])
        let ambiguous = await expectGitError({ () async throws(GitSourceError) in try await h.source.resolve(prefix) })
        {
            if case .ambiguousRevision = $0 { true } else { false }
        }
        #expect(ambiguous?.description.contains("branch \(prefix) → \(h.second.prefix(12))") == true)
        #expect(ambiguous?.description.contains("commit \(h.first.prefix(12))") == true)

        let tree = try h.repo.revParse("HEAD^{tree}")
        try h.repo.git(["tag", "a-tree", tree])
        for text in [tree, "a-tree"] {
            await expectGitError({ () async throws(GitSourceError) in try await h.source.resolve(text) }) {
                if case .notACommit = $0 { true } else { false }
            }
        }
    }

    @Test func anUnbornBranchIsAClearError() async throws {
        let repo = try TestRepository(branch: "trunk")
        let source = try GitSource(.init(repository: repo.path))
        let error = await expectGitError({ () async throws(GitSourceError) in try await source.poll() }) {
            if case .unbornBranch(branch: "trunk", repository: repo.path) = $0 { true } else { false }
        }
        #expect(
            error?.description
                == "branch trunk of \(repo.path) has no commits yet; commit the specs first, or choose a branch with --branch"
        )
        let configured = try GitSource(.init(repository: repo.path, branch: "trunk"))
        await expectGitError({ () async throws(GitSourceError) in try await configured.poll() }) {
            if case .unbornBranch = $0 { true } else { false }
        }
    }

    @Test func theTrackedBranchIsConfigurable() async throws {
        let h = try Self.history()
        #expect(try await GitSource(.init(repository: h.repo.path, branch: "feature")).poll() == h.first)
        #expect(try await GitSource(.init(repository: h.repo.path, branch: "refs/heads/main")).poll() == h.second)
        let missing = try GitSource(.init(repository: h.repo.path, branch: "nope"))
        let error = await expectGitError({ () async throws(GitSourceError) in try await missing.poll() }) {
            if case .branchNotFound(branch: "nope", repository: _, available: ["feature", "main"]) = $0 {
                true
            } else {
                false
            }
        }
        #expect(error?.description.contains("(branches: feature, main); check --branch") == true)
        #expect(throws: GitSourceError.self) { try GitSource(.init(repository: h.repo.path, branch: "ma..in")) }

        try h.repo.git(["checkout", "-q", "--detach", h.first])
        #expect(try await GitSource(.init(repository: h.repo.path)).poll() == h.first)
    }

    @Test func aFolderThatIsNotARepositoryIsAClearError() throws {
        let folder = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: GitSourceError.self) { try GitSource(.init(repository: folder + "/nowhere")) }
        do {
            _ = try GitSource(.init(repository: folder))
            Issue.record("expected an error")
        } catch {
            guard case .repositoryNotFound = error else { throw error }
            #expect(error.description.contains("is not a git repository"))
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give the repository to another user"))
    func aRepositoryOfAnotherUserIsExplained() throws {
        let repo = try TestRepository()
        try repo.commit("empty")
        try TestRepository.run(["chown", "-R", "nobody", repo.path])
        defer { _ = try? TestRepository.run(["chown", "-R", "root", repo.path]) }
        do {
            _ = try GitSource(.init(repository: repo.path))
            Issue.record("expected an error")
        } catch {
            guard case .repositoryNotOwned = error else { throw error }
            #expect(error.description.contains("belongs to another user"))
        }
    }
}
