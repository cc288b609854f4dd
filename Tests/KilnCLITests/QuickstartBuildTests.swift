import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// The quickstart example, committed to a repository and synced for real: every image format is valid and has
    /// the recorded sha256, and the VM boots the built image until its console prints the greeting.
    @Suite(.tags(.qemu), .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
    struct QuickstartBuildTests {
        static let kernel = BootHost.kernel
        static let initrd = BootHost.initrd

        /// Copies `examples/quickstart` into `repo` under `quickstart/`, keeping the scripts' modes.
        static func copyQuickstart(into repo: GitRepository) throws {
            let source = KilnBinary.packageRoot + "/examples/quickstart"
            let walker = FileManager.default.enumerator(atPath: source)
            while let item = walker?.nextObject() as? String {
                var folder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: "\(source)/\(item)", isDirectory: &folder),
                    !folder.boolValue
                else { continue }
                let text = try String(contentsOfFile: "\(source)/\(item)", encoding: .utf8)
                try repo.write("quickstart/\(item)", text, executable: item.hasSuffix(".sh"))
            }
        }

        /// Whether a process with this pid is alive (and not a zombie).
        static func alive(_ pid: Int32) -> Bool {
            kill(pid, 0) == 0 && !ProcessSweep.isZombie(pid)
        }

        @Test(.timeLimit(.minutes(8)))
        func buildsEveryFormatAndBootsTheVM() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try Self.copyQuickstart(into: repo)
                let commit = try await repo.commit("Add the quickstart")
                let data = DataDirectory(path: scratch.dataDir)
                let vmFlags = ["--path", "quickstart", "--vm-kernel", Self.kernel, "--vm-initrd", Self.initrd]

                let result = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: vmFlags, timeout: "6m")
                #expect(result.exitCode == 0, "\(result)")
                #expect(
                    result.stdout.contains("Ready     VirtualMachine/hello-1  Running: powered on and ready"),
                    "\(result)")
                #expect(result.stdout.hasSuffix("3/3 ready\n"), "\(result)")

                // MARK: every format exists, is what it says, and has the recorded sha256.
                let executions = try await data.executions("busybox")
                #expect(executions.map(\.buildNumber) == [1])
                let execution = try #require(executions.first)
                #expect(execution.status == "success")
                #expect(execution.revision == commit)
                #expect(execution.virtualImages.map(\.format).sorted() == ["qcow2", "raw", "vmdk"])
                for image in execution.virtualImages {
                    #expect(image.name == "busybox-1")
                    #expect(image.path == "\(data.path)/artifacts/busybox/1/busybox-1.\(image.format)")
                    let info = try JSONDecoder().decode(
                        SpecValue.self,
                        from: Data(
                            try await ChildProcess.shell(
                                "qemu-img info -U --output=json -f \(image.format) \(ChildProcess.quoted(image.path))"
                            ).utf8))
                    #expect(info["format"]?.string == image.format)
                    #expect(info["virtual-size"]?.int == 64 << 20, "\(image.format): \(info)")
                    #expect(info["backing-filename"] == nil)
                    #expect(try await Checks.sha256(image.path) == image.sha256, "\(image.format)")
                    let size = try FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int
                    #expect(size == image.size)
                }
                if let qcow2 = execution.virtualImages.first(where: { $0.format == "qcow2" }) {
                    let check = try await ChildProcess.run(
                        "/usr/bin/qemu-img", ["check", "-U", "-f", "qcow2", qcow2.path])
                    #expect(check.exitCode == 0, "qemu-img check: \(check)")
                    let image = try #require(try await data.objects("images")["busybox"])
                    #expect(image["path"]?.string == qcow2.path)
                    #expect(image["sha256"]?.string == qcow2.sha256)
                    #expect(image["state"] == .string("ACTIVE"))
                }

                // MARK: the VM runs on the image, and its console shows what the build wrote into it.
                let vm = try #require(try await data.objects("vms")["hello-1"])
                #expect(vm["status"] == .string("powered-on"))
                #expect(vm.isReady)
                let id = try #require(vm["id"]?.string)
                let console = try String(contentsOfFile: "\(data.path)/vms/\(id)/console.log", encoding: .utf8)
                #expect(console.contains("KILN-GUEST-READY: hello from the kiln quickstart image"))
                #expect(
                    console.contains("built by kiln at "),
                    "the guest printed /etc/kiln-build, written by install-init.sh")
                let pidText = try String(contentsOfFile: "\(data.path)/vms/\(id)/qemu.pid", encoding: .utf8)
                let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(Self.alive(pid))
                try Checks.expectStatus(data, "virtualmachine", "hello-1", commit: commit)

                // MARK: deleting the VM in git stops its qemu.
                try repo.remove("quickstart/vms/hello-1.yaml")
                try await repo.commit("Retire hello-1")
                let deleted = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: vmFlags)
                #expect(deleted.exitCode == 0, "\(deleted)")
                // The deadline only catches a real hang: qemu's own shutdown may take seconds on a loaded machine.
                let deadline = ContinuousClock.now + .seconds(120)
                while Self.alive(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
                #expect(!Self.alive(pid), "qemu \(pid) still runs after its VM was deleted")
                #expect(data.entries("vms").isEmpty)
            }
        }
    }
}
