import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling.DebianImageTests {
    static let vmName = "deb-guest-1"

    /// A VM on the Debian base that the suite has just built (`isCloudInit: true`), in the same repository and data
    /// dir, so no second Debian build: qemu-guest-agent in the guest answers Kiln, so its status shows `guestOs`
    /// (guest-get-osinfo) and `ipAddress` (guest-network-get-interfaces), and cloud-init took the VM's name as hostname
    /// from Kiln's NoCloud seed (asked of the agent with guest-get-host-name). Then the VM leaves git: its qemu ends
    /// and its folder goes. One boot of the Debian disk (TCG in CI, a few minutes).
    static func aVMOnTheBaseAnswersThroughItsAgent(repo: GitRepository, data: DataDirectory) async throws {
        // The agent is waited for long: under TCG on a loaded host, Debian takes minutes to reach multi-user.
        try repo.write(
            "debian/vms/\(vmName).yaml",
            """
            apiVersion: kiln.dev/v1
            kind: VirtualMachine
            metadata:
              name: \(vmName)
            spec:
              image: debian-base
              cpus: 1
              memory: 1gib
              networkType: nat
              powerState: running
              toolsInitTimeout: 30m
              bootTimeout: 30m

            """)
        _ = try await repo.commit("A VM on the Debian base")
        let vm = VMHost(data: data, name: vmName)
        defer {
            // Never an orphaned qemu, even when an expectation fails (or throws) before the VM leaves git.
            for pid in vm.qemuProcesses { kill(pid, SIGKILL) }
        }

        let made = try await sync(repo, data)
        #expect(made.exitCode == 0, "\(made)")
        #expect(try await data.executions("debian-base").count == 1, "a VM on the image builds nothing again")
        let folder = try #require(vm.folder, "\(String(describing: vm.status))")
        #expect(vm.pid != nil, "its qemu runs: \(String(describing: vm.status))")
        #expect(
            FileManager.default.fileExists(atPath: folder + "/seed.img"), "an isCloudInit image gives its VMs a seed")
        let seedMeta = try await ChildProcess.shell("mtype -i \(ChildProcess.quoted(folder + "/seed.img")) ::meta-data")
        #expect(seedMeta.contains(vmName), "\(seedMeta)")

        // Each pass on the unchanged commit observes the VM and asks its agent, until the guest answers with an
        // address too (the agent may start before DHCP is done). A few seconds between passes leave the host's
        // cores to the guest.
        var passes = 0
        let deadline = ContinuousClock.now + .seconds(20 * 60)
        var answered = false
        while !answered, ContinuousClock.now < deadline, !Task.isCancelled, vm.pid != nil {
            passes += 1
            let pass = try await KilnBinary.sync(
                repo: repo.path, dataDir: data.path, extra: ["--path", "debian"], timeout: "5m")
            let status = vm.status
            answered =
                pass.exitCode == 0 && !(status?["guestOs"]?.string ?? "").isEmpty
                && !(status?["ipAddress"]?.string ?? "").isEmpty
            if !answered { try? await Task.sleep(for: .seconds(3)) }
        }
        let status = vm.status
        let console = (try? String(contentsOfFile: folder + "/console.log", encoding: .utf8))?.suffix(3000) ?? ""
        try #require(
            answered,
            "no agent answer after \(passes) passes (qemu pid \(String(describing: vm.pid))): \(String(describing: status))\nconsole:\n\(console)"
        )
        print(
            "deb-guest-1: the agent answered after \(passes) passes, acceleration \(status?["acceleration"]?.string ?? "?")"
        )
        #expect(status?["guestOs"]?.string?.contains("Debian") == true, "\(String(describing: status))")
        // User-mode networking's DHCP hands out 10.0.2.15 to the first guest.
        #expect(status?["ipAddress"]?.string == "10.0.2.15", "\(String(describing: status))")
        #expect(["kvm", "tcg"].contains(status?["acceleration"]?.string ?? ""), "\(String(describing: status))")

        // The hostname the guest runs with is the one of the seed: cloud-init set it on first boot.
        let hostname = try await agentHostName(folder + "/qga.sock")
        #expect(hostname == vmName, "guest-get-host-name: \(hostname)\nconsole:\n\(console)")

        // Out of git: its qemu ends and its folder goes.
        try repo.remove("debian/vms/\(vmName).yaml")
        _ = try await repo.commit("No more VM")
        let gone = try await sync(repo, data)
        #expect(gone.exitCode == 0, "\(gone)")
        #expect(vm.qemuProcesses.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    /// `guest-get-host-name` through the VM's agent socket, as an operator would with socat: `guest-sync` first, so
    /// that an answer left over from an earlier client is never taken for this one. Bounded: 60 s per socket read.
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
        let out = try await ChildProcess.run("/usr/bin/python3", ["-c", script, socket], timeout: .seconds(180))
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
