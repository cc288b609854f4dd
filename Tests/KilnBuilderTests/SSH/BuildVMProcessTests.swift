import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// The build VM's process: started under a lifeline, asked for its forwarded port over QMP, ended by QMP `quit` or a
/// kill, and never left running. Each test waits for conditions (deadlines only catch a hang).
@Suite(.serialized) struct BuildVMProcessTests {
    static let qemuInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64")

    /// Waits until `condition` holds, checking every 50 ms; false after `deadline` (a hang).
    static func eventually(within deadline: Duration = .seconds(120), _ condition: () async -> Bool) async -> Bool {
        await Eventually.holds(within: deadline, every: .milliseconds(50), condition)
    }

    /// The lifeline's write end closing (what a SIGKILL of the worker does) kills the child at once.
    @Test func theChildDiesWhenTheLifelineCloses() async throws {
        let marker = "kiln-lifeline-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var lifeline: Lifeline? = try Lifeline()
        let readEnd = lifeline!.readEnd
        let runner = ProcessRunner(environment: ["PATH": "/usr/bin:/bin"])
        let run = Task { () -> ProcessOutcome? in
            try? await runner.run(
                "/bin/sh", Lifeline.arguments(name: marker, executable: "/bin/sleep", ["86399"]), stdin: readEnd)
        }
        let started = await Self.eventually {
            !Processes.running(containing: "sleep 86399").filter {
                Self.parentChain($0).contains { Processes.commandLine($0).contains(marker) }
            }.isEmpty
        }
        #expect(started)
        #expect(lifeline != nil)
        lifeline = nil
        let outcome = await run.value
        #expect(outcome?.status == .exited(137), "\(String(describing: outcome))")
        #expect(Processes.running(containing: marker).isEmpty)
    }

    @Test func whileTheLifelineHoldsTheChildRunsToItsEnd() async throws {
        let lifeline = try Lifeline()
        let runner = ProcessRunner(environment: ["PATH": "/usr/bin:/bin"])
        let outcome = try await runner.run(
            "/bin/sh", Lifeline.arguments(name: "kiln-lifeline", executable: "/bin/sh", ["-c", "echo ran; exit 3"]),
            stdin: lifeline.readEnd)
        #expect(outcome.status == .exited(3))
        #expect(outcome.tail == ["ran"])
        withExtendedLifetime(lifeline) {}
    }

    /// qemu picks the loopback port itself; QMP reports it; `quit` ends qemu, which exits 0.
    @Test(.enabled(if: qemuInstalled)) func qemuReportsItsPortAndQuitsOnRequest() async throws {
        let folder = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let vm = try Self.start(in: folder)
        let port = try await vm.forwardedPort(within: .seconds(120)).get()
        #expect(port > 0 && port < 65536)
        // The forward listens on loopback only.
        let listening = try Shell.check("cat /proc/net/tcp")
        #expect(listening.contains(String(format: "0100007F:%04X", port)), "\(port)")
        #expect(!listening.contains(String(format: "00000000:%04X", port)))
        _ = await vm.quit()
        #expect(await vm.waitForEnd(within: .seconds(120)))
        #expect(await vm.ended == "exit code 0")
        #expect(Processes.running(containing: folder).isEmpty)
    }

    @Test(.enabled(if: qemuInstalled)) func stopKillsQemuAndWaitsForIt() async throws {
        let folder = try BuildVMAccessTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let vm = try Self.start(in: folder)
        #expect(await Self.eventually { !Processes.running(containing: folder + "/disk.raw").isEmpty })
        await vm.stop()
        #expect(await vm.ended != nil)
        #expect(Processes.running(containing: folder).isEmpty)
    }

    @Test func theQemuCommandLine() throws {
        let firmware = Firmware(kind: .uefi, code: "/c.fd", variablesTemplate: "/v.fd")
        let arguments = BuildVM.arguments(
            BuildVM.Configuration(
                disk: "/w/d.raw", firmware: firmware, variableStore: "/w/vars.fd",
                accelerator: "tcg", network: false))
        let text = arguments.joined(separator: " ")
        #expect(text.contains("-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:0-:22"))
        #expect(text.contains("-device virtio-net-pci,netdev=net0,mac=52:54:00:4b:49:4c"))
        #expect(text.contains("-drive file=/w/d.raw,format=raw,if=virtio"))
        #expect(text.contains("-qmp unix:build-vm-qmp.sock,server=on,wait=off"))
        #expect(text.contains("if=pflash,format=raw,unit=1,file=/w/vars.fd"))
        #expect(!text.contains("-kernel") && !text.contains("snapshot"))
        let open = BuildVM.arguments(
            BuildVM.Configuration(disk: "/d", firmware: firmware, variableStore: nil, accelerator: "kvm", network: true)
        )
        #expect(open.joined(separator: " ").contains("restrict=off"))
    }

    /// The build VM boots the disk's own kernel and initrd straight from the ESP's staging folder, with the disk's
    /// command line; without a staged kernel (or a command line) it boots through the firmware as before.
    @Test func directKernelBootOfTheBuildVM() throws {
        let bed = try TestBed("direct-boot")
        defer { bed.remove() }
        let staging = bed.root + "/esp"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        #expect(SSHProvisionStep.directBoot(espStaging: staging, commandLine: "root=PARTUUID=x ro") == nil)
        try Data("kernel".utf8).write(to: URL(fileURLWithPath: staging + "/vmlinuz"))
        #expect(SSHProvisionStep.directBoot(espStaging: staging, commandLine: nil) == nil)
        let kernelOnly = try #require(
            SSHProvisionStep.directBoot(espStaging: staging, commandLine: "root=PARTUUID=x ro"))
        #expect(
            kernelOnly
                == BuildVM.DirectBoot(kernel: staging + "/vmlinuz", initrd: nil, commandLine: "root=PARTUUID=x ro"))
        try Data("initrd".utf8).write(to: URL(fileURLWithPath: staging + "/initrd.img"))
        let boot = try #require(
            SSHProvisionStep.directBoot(espStaging: staging, commandLine: "root=PARTUUID=x ro console=ttyS0,115200"))
        #expect(boot.initrd == staging + "/initrd.img")

        var configuration = BuildVM.Configuration(
            disk: "/w/d.raw", firmware: Firmware(kind: .bios, code: "/b.bin", variablesTemplate: nil),
            variableStore: nil, accelerator: "tcg", network: false)
        configuration.directBoot = boot
        let arguments = BuildVM.arguments(configuration)
        let kernel = try #require(arguments.firstIndex(of: "-kernel"))
        #expect(arguments[kernel + 1] == staging + "/vmlinuz")
        let initrd = try #require(arguments.firstIndex(of: "-initrd"))
        #expect(arguments[initrd + 1] == staging + "/initrd.img")
        let append = try #require(arguments.firstIndex(of: "-append"))
        #expect(arguments[append + 1] == "root=PARTUUID=x ro console=ttyS0,115200", "one argument, spaces and all")
        #expect(
            arguments.joined(separator: " ").contains("-drive file=/w/d.raw,format=raw,if=virtio"),
            "the disk is still the root")
    }

    @Test func theForwardedPortIsReadFromInfoUsernet() {
        let usernet =
            "Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n  TCP[HOST_FORWARD]   8       127.0.0.1 33895       10.0.2.15    22     0     0\r\n"
        #expect(QMPConnection.forwardedPort(usernet: usernet) == 33895)
        #expect(QMPConnection.forwardedPort(usernet: "Hub -1 (net0):\r\n") == nil)
    }

    /// qemu on an empty disk (it never boots: SeaBIOS finds nothing), under the lifeline, as the step starts it.
    static func start(in folder: String) throws -> BuildVM {
        try Shell.check("truncate -s 16M \(Shell.quoted(folder + "/disk.raw"))")
        let firmware = try Firmware.locate(.bios)
        return try BuildVM(
            configuration: BuildVM.Configuration(
                disk: folder + "/disk.raw", firmware: firmware, variableStore: nil,
                accelerator: "tcg", memoryMiB: 64, network: false),
            qemu: "/usr/bin/qemu-system-x86_64", shell: "/bin/sh", folder: folder,
            runner: ProcessRunner(environment: ["PATH": "/usr/bin:/bin"]))
    }

    /// `pid` and its ancestors.
    static func parentChain(_ pid: Int32) -> [Int32] {
        var chain = [pid]
        while let last = chain.last, last > 1, let entry = ProcessTable.entry(last), chain.count < 64 {
            chain.append(entry.parent)
        }
        return chain
    }
}
