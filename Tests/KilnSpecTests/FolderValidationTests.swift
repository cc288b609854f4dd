import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// `kiln validate` on folders made on disk: FolderSource reads them (this target cannot import KilnSource, so the
/// built `kiln` binary does), and script paths must name regular files under the spec root — never a symlink, a
/// folder or a path that is not there.
@Suite struct FolderValidationTests {
    static let build = Doc.build(
        name: "web",
        """
        type: qemu
        source: {scratch: true}
        scripts:
          - {name: install, path: scripts/install.sh}
        """)

    func validate(_ folder: TempFolder, _ extra: [String] = []) async throws -> ProcessResult {
        try await ExternalTool.run(try ExternalTool.kiln(), ["validate", "--repo", folder.path] + extra)
    }

    @Test func aRegularScriptFileValidates() async throws {
        let repo = try TempFolder()
        try repo.write("build.yaml", Self.build)
        try repo.write("scripts/install.sh", "#!/bin/sh\necho hi\n")
        let out = try await validate(repo)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "valid: 1 objects (1 ImageBuild, 0 Image, 0 VirtualMachine)\n")
        #expect(out.stderr.isEmpty)
    }

    @Test func aSymlinkedScriptIsRefused() async throws {
        let repo = try TempFolder()
        try repo.write("build.yaml", Self.build)
        try repo.write("real.sh", "#!/bin/sh\n")
        try repo.symlink("scripts/install.sh", to: "../real.sh")
        let out = try await validate(repo)
        #expect(out.status == 1)
        #expect(
            out.stderr == """
                build.yaml:9:29: spec.scripts[0].path: scripts/install.sh is a symlink; Kiln never follows symlinks in a spec repository
                invalid: 1 error in 1 file

                """)
    }

    @Test func aScriptUnderASymlinkedFolderIsRefused() async throws {
        let repo = try TempFolder()
        try repo.write("build.yaml", Self.build)
        try repo.write("elsewhere/install.sh", "#!/bin/sh\n")
        try repo.symlink("scripts", to: "elsewhere")
        let out = try await validate(repo)
        #expect(out.status == 1)
        #expect(
            out.stderr.hasPrefix(
                "build.yaml:9:29: spec.scripts[0].path: scripts/install.sh is a symlink; Kiln never follows symlinks in a spec repository\n"
            ))
    }

    @Test func aFolderIsNotAScript() async throws {
        let repo = try TempFolder()
        try repo.write("build.yaml", Self.build)
        try repo.mkdir("scripts/install.sh")
        let out = try await validate(repo)
        #expect(out.status == 1)
        #expect(
            out.stderr.hasPrefix("build.yaml:9:29: spec.scripts[0].path: scripts/install.sh is a folder, not a file\n"))
    }

    @Test func aMissingScriptIsRefused() async throws {
        let repo = try TempFolder()
        try repo.write("build.yaml", Self.build)
        let out = try await validate(repo)
        #expect(out.status == 1)
        #expect(
            out.stderr.hasPrefix(
                "build.yaml:9:29: spec.scripts[0].path: no file scripts/install.sh under the spec root (paths are relative to the spec root)\n"
            ))
    }

    /// With `--path`, script paths are relative to the spec root, and errors name files from the repository root.
    @Test func scriptPathsAreRelativeToTheSpecRoot() async throws {
        let repo = try TempFolder()
        try repo.write("deploy/specs/build.yaml", Self.build)
        try repo.write("deploy/specs/scripts/install.sh", "#!/bin/sh\n")
        try repo.write("scripts/install.sh", "#!/bin/sh\n")
        let ok = try await validate(repo, ["--path", "deploy/specs"])
        #expect(ok.status == 0, "\(ok.stderr)")
        // From the repository root, the same spec's script is looked up at the root's scripts/, which exists: the
        // spec folder and the repository are two different spec roots.
        try FileManager.default.removeItem(atPath: repo.path + "/deploy/specs/scripts")
        let missing = try await validate(repo, ["--path", "./deploy/specs/"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr.hasPrefix(
                "deploy/specs/build.yaml:9:29: spec.scripts[0].path: no file scripts/install.sh under the spec root (paths are relative to the spec root)\n"
            ))
    }

    @Test func aSymlinkedSpecFileIsRefused() async throws {
        let repo = try TempFolder()
        try repo.write(
            "real/vm.yml",
            Doc.vm(
                name: "web-1",
                "image: {url: 'https://example.com/d.img', checksum: '\(String(repeating: "0", count: 32))', checksumType: md5}"
            ))
        try repo.symlink("specs/vm.yaml", to: "../real/vm.yml")
        let out = try await validate(repo, ["--path", "specs"])
        #expect(out.status == 1)
        #expect(
            out.stderr.hasPrefix(
                "specs/vm.yaml:1:1: is a symlink; Kiln never follows symlinks in a spec repository (commit the file itself)\n"
            ))
        let real = try await validate(repo, ["--path", "real"])
        #expect(real.status == 0, "\(real.stderr)")
    }

    @Test func hiddenFoldersAreNotRead() async throws {
        let repo = try TempFolder()
        try repo.write(".git/broken.yaml", "not: [valid\n")
        try repo.write(".github/workflow.yml", "on: push\n")
        let out = try await validate(repo)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "valid: 0 objects (0 ImageBuild, 0 Image, 0 VirtualMachine)\n")
    }

    /// One line per error on stderr, every error of every file, then a summary.
    @Test func everyErrorOfTheRunIsPrintedOneLineEach() async throws {
        let repo = try TempFolder()
        try repo.write("vms/a.yaml", Doc.vm(name: "a", "image: web\nmemory: 1gb\ncpus: 0"))
        try repo.write("vms/b.yaml", Doc.vm(name: "b", "image: nothing"))
        try repo.write(
            "vms/c.yaml",
            Doc.vm(
                name: "a",
                "image: {url: 'https://example.com/d.img', checksum: '\(String(repeating: "0", count: 32))', checksumType: md5}"
            ))
        let out = try await validate(repo)
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(
            out.stderr == """
                vms/a.yaml:7:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)
                vms/a.yaml:8:9: spec.cpus: 0 is below the minimum of 1
                vms/b.yaml:6:10: spec.image: no Image named "nothing" in the repository
                vms/c.yaml:4:9: metadata.name: VirtualMachine "a" is defined twice (first at vms/a.yaml:4:9); names are unique per kind
                invalid: 4 errors in 3 files

                """)
    }

    @Test func jsonOutputListsTheSameErrorsWithFields() async throws {
        let repo = try TempFolder()
        try repo.write("vm.yaml", Doc.vm("image: web\nmemory: 1gb\ncpus: 0"))
        let out = try await validate(repo, ["--format", "json"])
        #expect(out.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == false)
        let errors = try #require(json["errors"] as? [[String: Any]])
        #expect(errors.count == 2)
        #expect(errors.first?["file"] as? String == "vm.yaml")
        #expect(errors.first?["line"] as? Int == 7)
        #expect(errors.first?["column"] as? Int == 11)
        #expect(errors.first?["path"] as? String == "spec.memory")
        #expect(
            errors.first?["message"] as? String
                == #""1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#
        )
        #expect(errors.last?["path"] as? String == "spec.cpus")
    }

    @Test func aPathOutsideTheRepositoryIsAUsageError() async throws {
        let repo = try TempFolder()
        let out = try await validate(repo, ["--path", "../elsewhere"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("--path must be a folder inside the repository"))
    }
}
