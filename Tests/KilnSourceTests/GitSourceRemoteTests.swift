import Foundation
import KilnSource
import Testing

@Suite("Remote repositories")
struct GitSourceRemoteTests {
    @Test func fetchesOverFileURLIntoABareMirror() async throws {
        let upstream = try TestRepository(branch: "trunk")
        try Fixtures.small(in: upstream)
        let first = try upstream.commit("first")
        try upstream.git(["tag", "v1"])
        try upstream.git(["branch", "doomed"])
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }

        let source = try GitSource(.init(repository: upstream.url, dataDirectory: data))
        #expect(source.gitDirectory.hasPrefix(data + "/mirrors/"))
        #expect(source.gitDirectory.hasSuffix(".git/"))
        #expect(try await source.poll() == first)
        #expect(try await source.resolve("v1") == first)
        #expect(try await source.resolve("doomed") == first)
        #expect(try await source.resolve("HEAD") == first)
        #expect(try await source.load(commit: first).snapshot?.objects.count == 3)
        #expect(
            !FileManager.default.fileExists(atPath: source.gitDirectory + "index"), "a mirror has no work tree or index"
        )

        try upstream.write("vms/web-2.yaml", Fixtures.vm("web-2", image: "web"))
        let second = try upstream.commit("second")
        try upstream.git(["branch", "-D", "doomed"])
        #expect(try await source.poll() == second)
        let load = try await source.load(commit: second)
        #expect(load.stats == .init(strategy: .diff, changedEntries: 1, specFiles: 4, parsed: 1, reused: 3))
        await expectGitError({ () async throws(GitSourceError) in try await source.resolve("doomed") }) {
            if case .revisionNotFound = $0 { true } else { false }
        }

        let reopened = try GitSource(.init(repository: upstream.url, dataDirectory: data))
        #expect(reopened.gitDirectory == source.gitDirectory)
        #expect(try await reopened.resolve("HEAD") == second, "the remote's default branch is kept in the mirror")
        #expect(try await reopened.poll() == second)
    }

    @Test func aConfiguredBranchIsFollowedAndAMissingOneNamed() async throws {
        let upstream = try TestRepository()
        try Fixtures.small(in: upstream)
        let first = try upstream.commit("first")
        try upstream.git(["checkout", "-q", "-b", "staging"])
        try upstream.write("vms/web-2.yaml", Fixtures.vm("web-2", image: "web"))
        let staged = try upstream.commit("staging only")
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }

        #expect(
            try await GitSource(.init(repository: upstream.url, branch: "main", dataDirectory: data)).poll() == first)
        #expect(
            try await GitSource(.init(repository: upstream.url, branch: "staging", dataDirectory: data)).poll()
                == staged)
        let missing = try GitSource(.init(repository: upstream.url, branch: "prod", dataDirectory: data))
        await expectGitError({ () async throws(GitSourceError) in try await missing.poll() }) {
            if case .branchNotFound(branch: "prod", repository: upstream.url, available: ["main", "staging"]) = $0 {
                true
            } else {
                false
            }
        }
    }

    @Test func anEmptyRemoteIsAClearError() async throws {
        let upstream = try TestRepository(bare: true)
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let source = try GitSource(.init(repository: upstream.url, dataDirectory: data))
        let error = await expectGitError({ () async throws(GitSourceError) in try await source.poll() }) {
            if case .emptyRemote = $0 { true } else { false }
        }
        #expect(error?.description.contains("has no commits on its default branch") == true)
    }

    @Test func aServerThatNeverAnswersTimesOutWithoutShowingThePassword() async throws {
        let server = try SilentServer()
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let url = "http://kiln:hunter2@127.0.0.1:\(server.port)/specs.git"
        let source = try GitSource(.init(repository: url, dataDirectory: data, fetchTimeout: .milliseconds(300)))
        #expect(source.location.display == "http://kiln:************@127.0.0.1:\(server.port)/specs.git")

        let started = ContinuousClock.now
        let error = await expectGitError({ () async throws(GitSourceError) in try await source.poll() }) {
            if case .fetchTimedOut = $0 { true } else { false }
        }
        // Bounded, not timed: under a loaded test run the answer may take seconds, but it never hangs.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(error?.description.contains("http://kiln:************@127.0.0.1") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func aFailedFetchNamesTheRemoteWithoutItsPassword() async throws {
        let port = try SilentServer().port
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let url = "http://kiln:hunter2@127.0.0.1:\(port)/specs.git"
        let source = try GitSource(.init(repository: url, dataDirectory: data, fetchTimeout: .seconds(20)))
        let error = await expectGitError({ () async throws(GitSourceError) in try await source.poll() }) {
            if case .fetchFailed = $0 { true } else { false }
        }
        #expect(
            error?.description.hasPrefix("cannot fetch http://kiln:************@127.0.0.1:\(port)/specs.git: ") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func theMirrorDependsOnTheURLButNotOnItsPassword() throws {
        let data = try TestRepository.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        func mirror(_ url: String) throws -> String {
            try GitSource(.init(repository: url, dataDirectory: data)).gitDirectory
        }
        #expect(
            try mirror("https://kiln:old@example.org/specs.git") == mirror("https://kiln:new@example.org/specs.git"))
        #expect(try mirror("https://example.org/specs.git") != mirror("https://example.org/other.git"))
        #expect(try mirror("https://example.org/specs.git") != mirror("https://kiln@example.org/specs.git"))
    }
}
