import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// The quickstart build run twice through the real binary, the second time for a new run.token (a new commit, the
    /// same inputs): the raw disks are bit-identical, since identifiers come from the inputs hash and every time from
    /// the commit those inputs were first built from.
    @Suite struct ReproducibleQuickstartTests {
        @Test(.timeLimit(.minutes(10)))
        func aNewTokenRebuildsTheSameBytes() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                let source = KilnBinary.packageRoot + "/examples/quickstart"
                for file in ["builds/busybox.yaml", "scripts/install-busybox.sh", "scripts/install-init.sh"] {
                    try repo.write(
                        "quickstart/\(file)", try String(contentsOfFile: "\(source)/\(file)", encoding: .utf8),
                        executable: file.hasSuffix(".sh"))
                }
                _ = try await repo.commit("The quickstart build")
                let data = DataDirectory(path: scratch.dataDir)
                let first = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: ["--path", "quickstart"])
                #expect(first.exitCode == 0, "\(first)")

                let spec = try String(contentsOfFile: "\(repo.path)/quickstart/builds/busybox.yaml", encoding: .utf8)
                let bumped = spec.replacingOccurrences(of: #"token: "1""#, with: #"token: "2""#)
                #expect(bumped != spec)
                try repo.write("quickstart/builds/busybox.yaml", bumped)
                _ = try await repo.commit("Build it again")
                let second = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: ["--path", "quickstart"])
                #expect(second.exitCode == 0, "\(second)")

                let executions = try await data.executions("busybox")
                #expect(executions.map(\.buildNumber) == [1, 2])
                let raws = executions.compactMap { $0.virtualImages.first { $0.format == "raw" } }
                #expect(raws.count == 2)
                #expect(raws.first?.sha256 == raws.last?.sha256, "the two raw disks differ")
                #expect(raws.first?.path != raws.last?.path, "a new token built again rather than reusing")
            }
        }
    }
}
