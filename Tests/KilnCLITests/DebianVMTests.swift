import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// A VM on the Debian base (`examples/debian`, built for real, `isCloudInit: true`): qemu-guest-agent in the guest
    /// answers Kiln, so its status shows `guestOs` (guest-get-osinfo) and `ipAddress` (guest-network-get-interfaces),
    /// and cloud-init took the VM's name as hostname from Kiln's NoCloud seed (asked of the agent with
    /// guest-get-host-name). Only the base is built here (no layer), then one TCG boot.
    ///
    /// Slow: one Debian build (mmdebstrap, two verification boots) and a TCG boot to a running agent, about 8 minutes.
    /// Opt-in (`KILN_DEBIAN_VM_TEST=1`) until it is folded into DebianImageTests to reuse that suite's Debian build:
    /// run on its own, it would put `.ci/run`'s serialized end-to-end suites near the 45-minute budget.
    @Suite(.tags(.qemu), .enabled(if: ProcessInfo.processInfo.environment["KILN_DEBIAN_VM_TEST"] == "1" && BootHost.canBoot
                                      && FileManager.default.isExecutableFile(atPath: "/usr/bin/mmdebstrap"),
                                  "opt-in (KILN_DEBIAN_VM_TEST=1); needs qemu-system-x86_64, qemu-img, mtools and mmdebstrap"))
    struct DebianVMTests {
        static let vmName = "deb-guest-1"

        @Test(.timeLimit(.minutes(60)))
        func aDebianVMAnswersThroughItsAgentWithTheSeedsHostname() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                let source = KilnBinary.packageRoot + "/examples/debian"
                for file in ["builds/debian-base.yaml", "images/debian-base.yaml"] {
                    try repo.write("debian/\(file)", try String(contentsOfFile: "\(source)/\(file)", encoding: .utf8))
                }
                // The agent is waited for long: under TCG, Debian takes minutes to reach multi-user.
                try repo.write("debian/vms/\(Self.vmName).yaml", """
                    apiVersion: kiln.dev/v1
                    kind: VirtualMachine
                    metadata:
                      name: \(Self.vmName)
                    spec:
                      image: debian-base
                      cpus: 1
                      memory: 1gib
                      networkType: nat
                      powerState: running
                      toolsInitTimeout: 30m
                      bootTimeout: 30m

                    """)
                _ = try await repo.commit("The Debian base and a VM on it")
                let data = DataDirectory(path: scratch.dataDir)
                let vm = VMHost(data: data, name: Self.vmName)
                defer {
                    // Never an orphaned qemu, even when an expectation fails before the VM leaves git.
                    for pid in vm.qemuProcesses { kill(pid, SIGKILL) }
                }

                let first = try await DebianImageTests.sync(repo, data)
                #expect(first.exitCode == 0, "\(first)")
                #expect(try await data.objects("images")["debian-base"]?["state"] == .string("ACTIVE"))
                let folder = try #require(vm.folder, "\(String(describing: vm.status))")
                #expect(FileManager.default.fileExists(atPath: folder + "/seed.img"), "an isCloudInit image gives its VMs a seed")
                let seedMeta = try await ChildProcess.shell("mtype -i \(ChildProcess.quoted(folder + "/seed.img")) ::meta-data")
                #expect(seedMeta.contains(Self.vmName), "\(seedMeta)")

                // Each pass on the unchanged commit observes the VM and asks its agent, until the guest answers
                // with an address too (the agent may start before DHCP is done).
                var passes = 0
                let answered = try await VMHost.eventually(timeout: .seconds(25 * 60)) {
                    passes += 1
                    let pass = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: ["--path", "debian"], timeout: "5m")
                    guard pass.exitCode == 0 else { return false }
                    let status = vm.status
                    return !(status?["guestOs"]?.string ?? "").isEmpty && !(status?["ipAddress"]?.string ?? "").isEmpty
                }
                let status = vm.status
                let console = (try? String(contentsOfFile: folder + "/console.log", encoding: .utf8))?.suffix(3000) ?? ""
                #expect(answered, "after \(passes) passes: \(String(describing: status))\nconsole:\n\(console)")
                #expect(status?["guestOs"]?.string?.contains("Debian") == true, "\(String(describing: status))")
                // User-mode networking's DHCP hands out 10.0.2.15 to the first guest.
                #expect(status?["ipAddress"]?.string == "10.0.2.15", "\(String(describing: status))")
                #expect(status?["acceleration"]?.string != nil, "\(String(describing: status))")

                // The hostname the guest runs with is the one of the seed: cloud-init set it on first boot.
                let hostname = try await Self.agentHostName(folder + "/qga.sock")
                #expect(hostname == Self.vmName, "guest-get-host-name: \(hostname)\nconsole:\n\(console)")

                // Out of git: its qemu ends and its folder goes.
                try repo.remove("debian/vms/\(Self.vmName).yaml")
                _ = try await repo.commit("No more VM")
                let gone = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: ["--path", "debian"], timeout: "5m")
                #expect(gone.exitCode == 0, "\(gone)")
                #expect(vm.qemuProcesses.isEmpty)
                #expect(!FileManager.default.fileExists(atPath: folder))
            }
        }

        /// `guest-get-host-name` through the VM's agent socket, as an operator would with socat: `guest-sync` first,
        /// so that an answer left over from an earlier client is never taken for this one.
        static func agentHostName(_ socket: String) async throws -> String {
            let script = """
                import json, random, socket, sys
                s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect(sys.argv[1]); f = s.makefile("rw")
                token = random.randrange(1, 2**31)
                f.write(json.dumps({"execute": "guest-sync", "arguments": {"id": token}}) + "\\n"); f.flush()
                while json.loads(f.readline()).get("return") != token: pass
                f.write('{"execute": "guest-get-host-name"}\\n'); f.flush()
                print(json.loads(f.readline())["return"]["host-name"])
                """
            let out = try await ChildProcess.run("/usr/bin/python3", ["-c", script, socket])
            return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
