import Foundation
import KilnSource
import Testing

@Suite("Reading files of a commit")
struct GitFileReaderTests {
    @Test func readsTheCommitsBlobsAndRefusesEverythingElse() async throws {
        let repo = try TestRepository()
        try repo.write("kiln/scripts/setup.sh", "#!/bin/sh\necho one\n")
        try repo.symlink("kiln/scripts/link.sh", to: "/etc/passwd")
        try repo.symlink("kiln/up", to: "../")
        try repo.write("kiln/big.bin", Data(count: 2 << 20))
        try repo.write("README.md", "outside the spec root\n")
        try repo.git(["add", "-A"])
        try repo.addSubmodule(
            "kiln/vendor", commit: String(repeating: "cd", count: 20), url: "https://example.org/v.git")
        let commit = try repo.commit("files", addAll: false)
        let source = try GitSource(.init(repository: repo.path, specRoot: "kiln", maxReadBytes: 1 << 20))
        let reader = try await source.fileReader(commit: commit)

        #expect(try reader.read("scripts/setup.sh") == Array("#!/bin/sh\necho one\n".utf8))
        #expect(try reader.read("./scripts/setup.sh") == Array("#!/bin/sh\necho one\n".utf8))
        let refusals: [(String, (GitSourceError) -> Bool)] = [
            ("scripts/link.sh", { if case .symlink(path: "kiln/scripts/link.sh") = $0 { true } else { false } }),
            ("up/README.md", { if case .symlink(path: "kiln/up") = $0 { true } else { false } }),
            ("vendor/setup.sh", { if case .submodule(path: "kiln/vendor") = $0 { true } else { false } }),
            ("vendor", { if case .submodule(path: "kiln/vendor") = $0 { true } else { false } }),
            ("scripts", { if case .folder(path: "kiln/scripts") = $0 { true } else { false } }),
            (
                "scripts/missing.sh",
                { if case .fileNotFound(path: "kiln/scripts/missing.sh", commit: commit) = $0 { true } else { false } }
            ),
            (
                "big.bin",
                {
                    if case .fileTooLarge(path: "kiln/big.bin", size: 2 << 20, limit: 1 << 20) = $0 {
                        true
                    } else {
                        false
                    }
                }
            ),
            ("../README.md", { if case .invalidPath = $0 { true } else { false } }),
            ("/etc/passwd", { if case .invalidPath = $0 { true } else { false } })
        ]
        for (path, matches) in refusals {
            await expectGitError({ () async throws(GitSourceError) in try reader.read(path) }, matches)
        }
    }

    @Test func readsTheCommitNotTheWorkTree() async throws {
        let repo = try TestRepository()
        try repo.write("scripts/setup.sh", "one\n")
        let first = try repo.commit("one")
        try repo.write("scripts/setup.sh", "two\n")
        let second = try repo.commit("two")
        try repo.write("scripts/setup.sh", "uncommitted\n")
        let source = try GitSource(.init(repository: repo.path))
        let old = try await source.fileReader(commit: first)
        let new = try await source.fileReader(commit: second)
        let fromAnotherTask = try await Task.detached { try old.read("scripts/setup.sh") }.value
        #expect(fromAnotherTask == Array("one\n".utf8))
        #expect(try new.read("scripts/setup.sh") == Array("two\n".utf8))
    }
}
