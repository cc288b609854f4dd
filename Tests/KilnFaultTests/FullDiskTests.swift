import Foundation
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

extension Faults {
    /// A data dir on a small file system that fills up while a build writes its artifacts. The file system is a tmpfs
    /// mounted over the data dir inside a private mount namespace (`unshare --mount`, no loop device): the host never
    /// sees it, and it goes away with the namespace's last process, which the test ends by its pid.
    @Suite(
        .timeLimit(.minutes(5)),
        .enabled(
            if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter"),
            "needs root, unshare and nsenter"))
    struct FullDiskTests {
        /// A build whose image holds 6 MiB of noise (incompressible), converted to qcow2 and vmdk: on a 16 MiB data dir
        /// the raw disk and the qcow2 fit, the vmdk does not.
        static func build(token: String) -> String {
            Specs.build("web", formats: ["qcow2", "vmdk"], keepResults: 0, token: token)
        }

        static let script = """
            #!/bin/sh
            set -eu
            mkdir -p "$KILN_ROOTFS/etc"
            head -c 6M /dev/urandom > "$KILN_ROOTFS/etc/noise"

            """

        /// A private mount namespace whose data dir is a tmpfs of `size`, held open by a process of its own.
        struct SmallDisk {
            let holder: RunningProcess
            let mountPoint: String

            init(over mountPoint: String, size: String) async throws {
                self.mountPoint = mountPoint
                try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
                holder = try RunningProcess(
                    "/usr/bin/unshare",
                    [
                        "--mount", "--propagation", "private", "/bin/sh", "-c",
                        "mount -t tmpfs -o size=\(size) kiln-fault-test \"$0\" && echo mounted && exec sleep infinity",
                        mountPoint
                    ])
                guard await holder.waitForOutput(timeout: .seconds(60), { out, _ in out.contains("mounted") }) else {
                    holder.kill()
                    _ = await holder.wait(timeout: .seconds(30))
                    throw CommandFailure(command: "unshare + mount tmpfs", result: await holder.wait())
                }
            }

            /// The data dir as the namespace sees it (its files read through the holder's root, `kiln` run inside).
            var data: DataDirectory { DataDirectory(path: mountPoint, insideMountNamespaceOf: holder.pid) }

            func resize(_ size: String) async throws {
                let result = try await ChildProcess.run(
                    "/usr/bin/nsenter",
                    [
                        "--target", "\(holder.pid)", "--mount", "--", "/bin/mount", "-o", "remount,size=\(size)",
                        mountPoint
                    ])
                guard result.exitCode == 0 else { throw CommandFailure(command: "remount", result: result) }
            }

            func end() async {
                holder.kill(SIGKILL)
                _ = await holder.wait(timeout: .seconds(60))
            }
        }

        /// On a 10 MiB data dir the disk image itself cannot be written: the failure blames the data dir's file system,
        /// not disk.size (which has room to spare).
        @Test func aFullDataDirIsNotBlamedOnDiskSize() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try repo.write("scripts/provision.sh", Self.script, executable: true)
                try repo.write("builds/web.yaml", Self.build(token: "1"))
                try await repo.commit("A build bigger than the data dir")
                let disk = try await SmallDisk(over: scratch.dataDir, size: "10m")
                do {
                    let full = try await disk.data.kiln([
                        "sync", "--repo", repo.path, "--data-dir", scratch.dataDir, "--wait", "--timeout", "3m"
                    ])
                    #expect(full.exitCode == 1, "\(full)")
                    #expect(full.stdout.contains("No space left on device"), "\(full)")
                    #expect(full.stdout.contains("is full: free space in the data dir"), "\(full)")
                    #expect(!full.stdout.contains("raise disk.size"), "\(full)")
                    #expect(try await disk.data.executions("web").first?.virtualImages.isEmpty == true)
                    try await Recovery.check(disk.data, context: "with the data dir full")
                    await disk.end()
                } catch {
                    await disk.end()
                    throw error
                }
            }
        }

        @Test func aFullDiskFailsTheBuildRegistersNothingAndTheNextPassSucceeds() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try repo.write("scripts/provision.sh", Self.script, executable: true)
                try repo.write("builds/web.yaml", Self.build(token: "1"))
                try await repo.commit("A build bigger than the data dir")
                let disk = try await SmallDisk(over: scratch.dataDir, size: "16m")
                do {
                    let sync = ["sync", "--repo", repo.path, "--data-dir", scratch.dataDir, "--wait", "--timeout", "3m"]
                    let full = try await disk.data.kiln(sync)
                    let data = disk.data
                    #expect(full.exitCode == 1, "\(full)")
                    #expect(full.stdout.contains("No space left on device"), "the failure says why: \(full)")
                    let failed = try await data.executions("web")
                    #expect(failed.map(\.status) == ["failed"], "\(failed)")
                    #expect(failed.first?.errorMessage?.contains("No space left on device") == true, "\(failed)")
                    #expect(failed.first?.virtualImages.isEmpty == true, "nothing half-written is registered")
                    #expect(data.files(under: "artifacts").isEmpty, "artifacts left: \(data.files(under: "artifacts"))")
                    #expect(data.entries("work").isEmpty && data.entries("tmp").isEmpty)
                    #expect(try data.status("imagebuild", "web").ready?.reason == "BuildFailed")
                    try await Recovery.check(data, context: "with the disk full")

                    // Space freed, and a new token asks for the build again: it succeeds, as #2.
                    try await disk.resize("64m")
                    try repo.write("builds/web.yaml", Self.build(token: "2"))
                    try await repo.commit("Try again with room")
                    let roomy = try await disk.data.kiln(sync)
                    #expect(roomy.exitCode == 0, "\(roomy)")
                    let executions = try await data.executions("web")
                    #expect(executions.map(\.status) == ["failed", "success"], "\(executions)")
                    #expect(Set(executions.last?.virtualImages.map(\.format) ?? []) == ["raw", "qcow2", "vmdk"])
                    for image in executions.last?.virtualImages ?? [] {
                        let file = data.path + image.path.dropFirst(scratch.dataDir.count)
                        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int
                        #expect(size == image.size, "\(image.path)")
                    }
                    try await Recovery.check(data, context: "after space was freed")
                    await disk.end()
                } catch {
                    await disk.end()
                    throw error
                }
            }
        }
    }
}
