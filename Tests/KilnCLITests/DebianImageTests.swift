import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `examples/debian` synced for real with the real binary: mmdebstrap from the operator's mirror (the host's apt
    /// sources), a disk that boots on its own verified under SeaBIOS and OVMF, qcow2 and vmdk, `packages.txt`, and a
    /// rebuild from the shared package cache that downloads nothing and writes a bit-identical raw disk.
    ///
    /// The `web` layer on it builds from the base Image's disk, and its marker is read back from its root partition
    /// with debugfs, by offset. A VM on the base answers through its guest agent with the seed's hostname
    /// (`DebianImageTests+VM.swift`), reusing this build rather than making a second one.
    ///
    /// Slow: two Debian builds, a layer, six TCG boots and a VM, about 15 minutes here (3–5 minutes of them mmdebstrap).
    @Suite(
        .tags(.qemu),
        .enabled(
            if: BootHost.canBoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/mmdebstrap"),
            "needs qemu-system-x86_64, qemu-img and mmdebstrap"))
    struct DebianImageTests {
        static func copyExample(into repo: GitRepository) throws {
            let source = KilnBinary.packageRoot + "/examples/debian"
            let walker = FileManager.default.enumerator(atPath: source)
            while let item = walker?.nextObject() as? String {
                var folder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: "\(source)/\(item)", isDirectory: &folder),
                    !folder.boolValue
                else { continue }
                let text = try String(contentsOfFile: "\(source)/\(item)", encoding: .utf8)
                try repo.write("debian/\(item)", text, executable: item.hasSuffix(".sh"))
            }
        }

        static func sync(_ repo: GitRepository, _ data: DataDirectory) async throws -> ProcessResult {
            try await KilnBinary.run(
                [
                    "sync", "--repo", repo.path, "--data-dir", data.path, "--path", "debian", "--wait", "--timeout",
                    "30m"
                ],
                timeout: .seconds(35 * 60))
        }

        /// What differs between the root filesystems of two raw disks, each copied out by offset with debugfs (no
        /// mount): one line per path whose type, mode, owner, size, mtime (not a symlink's: rdump cannot keep it), link
        /// target or content differs, plus one for the bytes before the root partition (partition table and EFI system
        /// partition).
        static func differingFiles(_ a: String, _ b: String, scratch: String) async throws -> [String] {
            let script = #"""
                import hashlib, json, os, stat, subprocess, sys
                def root_offset(disk):
                    table = json.loads(subprocess.check_output(["sfdisk", "--json", disk]))
                    return table["partitiontable"]["partitions"][1]["start"] * 512
                def manifest(top):
                    out = {}
                    for folder, dirs, files in os.walk(top):
                        for name in dirs + files:
                            path = os.path.join(folder, name)
                            info = os.lstat(path)
                            text = "%o %d:%d %d" % (info.st_mode, info.st_uid, info.st_gid, info.st_size)
                            # rdump makes each symlink anew (its times are now): a link is its target.
                            if stat.S_ISLNK(info.st_mode):
                                text += " -> " + os.readlink(path)
                            else:
                                text += " %d" % info.st_mtime
                                if stat.S_ISREG(info.st_mode):
                                    with open(path, "rb") as f: text += " " + hashlib.sha256(f.read()).hexdigest()
                            out[path[len(top):]] = text
                    return out
                disks, scratch = sys.argv[1:3], sys.argv[3]
                offsets, trees = [], []
                for i, disk in enumerate(disks):
                    offsets.append(root_offset(disk))
                    tree = os.path.join(scratch, str(i)); os.makedirs(tree)
                    subprocess.run(["debugfs", "-R", "rdump / " + tree, "%s?offset=%d" % (disk, offsets[i])], check=True, capture_output=True)
                    trees.append(manifest(tree))
                heads = [open(d, "rb").read(offsets[0]) for d in disks]
                if offsets[0] != offsets[1] or heads[0] != heads[1]: print("(the partition table or the EFI system partition)")
                for path in sorted(set(trees[0]) | set(trees[1])):
                    if trees[0].get(path) != trees[1].get(path): print(path)
                """#
            try script.write(toFile: scratch + ".py", atomically: true, encoding: .utf8)
            let out = try await ChildProcess.shell(
                "python3 \(ChildProcess.quoted(scratch + ".py")) \(ChildProcess.quoted(a)) \(ChildProcess.quoted(b)) \(ChildProcess.quoted(scratch))"
            )
            return out.split(separator: "\n").map(String.init)
        }

        /// Pids of the processes whose command line names `text`.
        static func processes(naming text: String) -> [String] {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return pids.filter { pid in
                guard Int32(pid) != nil, Int32(pid) != getpid(),
                    let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
                else { return false }
                return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
            }
        }

        // A limit that only catches a hang: the suite takes 10-15 minutes in CI, up to 30 on a loaded host.
        @Test(.timeLimit(.minutes(50)))
        func theDebianBaseBuildsBootsAndRebuildsFromTheCache() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try Self.copyExample(into: repo)
                _ = try await repo.commit("Add the Debian base")
                let data = DataDirectory(path: scratch.dataDir)

                let first = try await Self.sync(repo, data)
                #expect(first.exitCode == 0, "\(first)")
                let execution = try #require(try await data.executions("debian-base").first)
                #expect(execution.status == "success", "\(execution)")
                #expect(execution.virtualImages.map(\.format).sorted() == ["qcow2", "raw", "vmdk"])
                let log = try String(contentsOfFile: "\(data.path)/logs/debian-base/1.log", encoding: .utf8)
                #expect(log.contains("booted under SeaBIOS"), "\(log.suffix(3000))")
                #expect(log.contains("booted under OVMF (UEFI)"), "\(log.suffix(3000))")
                let packages = try String(
                    contentsOfFile: "\(data.path)/artifacts/debian-base/1/packages.txt", encoding: .utf8)
                for name in ["linux-image-amd64 ", "openssh-server ", "cloud-init ", "qemu-guest-agent "] {
                    #expect(packages.contains("\n" + name), "\(name) in packages.txt")
                }
                let image = try #require(try await data.objects("images")["debian-base"])
                #expect(image["state"] == .string("ACTIVE"))

                // The layer: built from the base's disk, its marker inside its own root partition.
                let web = try #require(try await data.executions("web").first)
                #expect(web.status == "success", "\(web)")
                let webRaw = try #require(web.virtualImages.first { $0.format == "raw" }).path
                let webOffset = try await ChildProcess.shell(
                    "sfdisk --json \(ChildProcess.quoted(webRaw)) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][1][\"start\"] * 512)'"
                )
                .trimmingCharacters(in: .whitespacesAndNewlines)
                let marker = try await ChildProcess.shell(
                    "debugfs -R 'cat /etc/kiln-web-marker' \(ChildProcess.quoted(webRaw + "?offset=" + webOffset)) 2>/dev/null"
                )
                #expect(marker == "built by kiln: web\n", "\(marker)")
                // ... and a clean template: the build VM's key, host key and sshd drop-in are gone, and so are the host
                // keys and machine id its boot made.
                let webDevice = ChildProcess.quoted(webRaw + "?offset=" + webOffset)
                let webSSH = try await ChildProcess.shell("debugfs -R 'ls /etc/ssh' \(webDevice) 2>/dev/null")
                #expect(
                    webSSH.contains("sshd_config") && !webSSH.contains("kiln-build") && !webSSH.contains("ssh_host_"),
                    "\(webSSH)")
                let webDropIns = try await ChildProcess.shell(
                    "debugfs -R 'ls /etc/ssh/sshd_config.d' \(webDevice) 2>/dev/null")
                #expect(!webDropIns.contains("kiln-build"), "\(webDropIns)")
                let webMachineID = try await ChildProcess.shell(
                    "debugfs -R 'cat /etc/machine-id' \(webDevice) 2>/dev/null")
                #expect(webMachineID.isEmpty, "machine-id: \(webMachineID)")
                let webLog = try String(contentsOfFile: "\(data.path)/logs/web/1.log", encoding: .utf8)
                #expect(webLog.contains("boots the disk's own kernel and initrd"), "\(webLog.suffix(3000))")
                // Under TCG, decompressed on the host first; after the script, the guest's disk filesystems went
                // read-only and qemu was quit (no service of the layer keeps a file open for writing), the root
                // filesystem checked clean.
                if webLog.contains("qemu (tcg,") {
                    #expect(webLog.contains("kernel decompressed ("), "\(webLog.suffix(3000))")
                }
                #expect(
                    webLog.contains("the guest's disk filesystems were read-only: qemu quit"), "\(webLog.suffix(3000))")
                #expect(webLog.contains("root filesystem clean (superblock checked)"), "\(webLog.suffix(3000))")
                // Its disk is a copy of the base's with the root filesystem in place (not a copy of its files).
                #expect(webLog.contains("root filesystem kept in place: checked"), "\(webLog.suffix(3000))")

                // The raw disk's root filesystem, read by offset with debugfs (no mount): a clean template.
                let raw = try #require(execution.virtualImages.first { $0.format == "raw" }).path
                let offset = try await ChildProcess.shell(
                    "sfdisk --json \(ChildProcess.quoted(raw)) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][1][\"start\"] * 512)'"
                )
                .trimmingCharacters(in: .whitespacesAndNewlines)
                let machineID = try await ChildProcess.shell(
                    "debugfs -R 'cat /etc/machine-id' \(ChildProcess.quoted(raw + "?offset=" + offset)) 2>/dev/null")
                #expect(machineID.isEmpty, "machine-id: \(machineID)")
                let ssh = try await ChildProcess.shell(
                    "debugfs -R 'ls /etc/ssh' \(ChildProcess.quoted(raw + "?offset=" + offset)) 2>/dev/null")
                #expect(!ssh.contains("ssh_host_"), "\(ssh)")

                // Nothing changed: nothing runs again.
                let again = try await Self.sync(repo, data)
                #expect(again.exitCode == 0, "\(again)")
                #expect(try await data.executions("debian-base").count == 1)
                #expect(try await data.executions("web").count == 1)

                // A VM on the base: guestOs and ipAddress through its agent, the hostname from its seed; then it goes.
                try await Self.aVMOnTheBaseAnswersThroughItsAgent(repo: repo, data: data)

                // A new token rebuilds, every package from the cache. In the same commit the layer gains a script that
                // fails over SSH (printing a secret): the layer's execution fails with the script's exit code, its
                // output is in the log with the secret masked, and no build VM is left running.
                let spec = try String(contentsOfFile: "\(repo.path)/debian/builds/debian-base.yaml", encoding: .utf8)
                try repo.write(
                    "debian/builds/debian-base.yaml",
                    spec.replacingOccurrences(of: "token: \"1\"", with: "token: \"2\""))
                let webSpec = try String(contentsOfFile: "\(repo.path)/debian/builds/web.yaml", encoding: .utf8)
                let failing =
                    "    - {name: fails, path: scripts/fails.sh, phase: provision, timeout: 5m, secretEnv: {API_KEY: {fromFile: api-key}}}\n"
                try repo.write(
                    "debian/builds/web.yaml",
                    webSpec.replacingOccurrences(of: "timeout: 5m}\n", with: "timeout: 5m}\n" + failing))
                try repo.write(
                    "debian/scripts/fails.sh",
                    "#!/bin/sh\necho \"in the build VM as $(id -un), key $API_KEY\"\nexit 3\n", executable: true)
                try FileManager.default.createDirectory(
                    atPath: data.path + "/secrets", withIntermediateDirectories: true)
                try "hunter2-ssh-s3cret\n".write(
                    toFile: data.path + "/secrets/api-key", atomically: true, encoding: .utf8)
                _ = try await repo.commit("Build the base again; a layer script that fails")
                let rebuilt = try await Self.sync(repo, data)
                #expect(rebuilt.exitCode == 1, "the failed layer keeps the sync from Ready: \(rebuilt)")
                let executions = try await data.executions("debian-base")
                #expect(executions.map(\.status) == ["success", "success"])
                let webRuns = try await data.executions("web")
                // The changed layer runs once, on the new base: the planner held it while its base was rebuilt.
                #expect(webRuns.map(\.status) == ["success", "failed"], "\(webRuns)")
                #expect(webRuns.last?.errorMessage?.contains("script fails exited with code 3") == true, "\(webRuns)")
                let failedLog = try String(contentsOfFile: "\(data.path)/logs/web/2.log", encoding: .utf8)
                #expect(failedLog.contains("in the build VM as root, key ************"), "\(failedLog.suffix(3000))")
                #expect(failedLog.contains("exit code 3"), "\(failedLog.suffix(3000))")
                #expect(!failedLog.contains("hunter2-ssh-s3cret"))
                #expect(
                    Self.processes(naming: data.path).isEmpty, "no build VM (or anything else of the data dir) is left")
                let second = try String(contentsOfFile: "\(data.path)/logs/debian-base/2.log", encoding: .utf8)
                let count = packages.split(separator: "\n").count
                #expect(
                    second.contains("\(count) packages installed: \(count) from the package cache, 0 downloaded"),
                    "\(second.prefix(4000))")
                // The same inputs, the same bytes: the second build took every package from the cache (the first
                // downloaded them), and still the raw disks are bit-identical. When not, the paths that differ say why.
                let raws = executions.compactMap { $0.virtualImages.first { $0.format == "raw" } }
                #expect(raws.count == 2)
                if raws.count == 2 {
                    let same = raws[0].sha256 == raws[1].sha256
                    let differing =
                        same
                        ? []
                        : try await Self.differingFiles(
                            raws[0].path, raws[1].path, scratch: scratch.file("reproducible"))
                    print(
                        "debian-base rebuilt from the same inputs: raw disks \(same ? "bit-identical (sha256 \(raws[0].sha256))" : "differ"); \(differing.count) paths differ"
                    )
                    #expect(
                        same,
                        "debian-base rebuilt from the same inputs: raw disks differ (sha256 \(raws[0].sha256) and \(raws[1].sha256)); \(differing.count) paths differ:\n\(differing.joined(separator: "\n"))"
                    )
                }
            }
        }
    }
}
