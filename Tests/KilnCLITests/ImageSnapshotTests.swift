import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `source: {snapshotOf: VM}` for real: a VM writes a file on its first boot; once git stops it, its disk
    /// (overlay and base) is flattened into an Image, and a second VM booted from that Image shows the file.
    @Suite(.tags(.qemu), .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
    struct ImageSnapshotTests {
        static let vmFlags = [
            "--path", "quickstart", "--vm-kernel", BootHost.kernel, "--vm-initrd", BootHost.initrd,
            "--vm-stop-grace", "2s"
        ]

        /// The quickstart's init, changed to leave a note on its disk the first time it boots and to print the note
        /// on later boots (the test's own build script; the example stays as it is).
        static let noteInit = """
            #!/bin/sh
            set -eu
            cd "$KILN_ROOTFS"
            cat > sbin/init <<'INIT'
            #!/bin/sh
            /bin/mount -t proc proc /proc
            /bin/mount -t sysfs sysfs /sys
            if [ -f /root/kiln-note ]; then
                echo "KILN-NOTE: $(cat /root/kiln-note)"
            else
                echo "written by $(cat /proc/sys/kernel/random/boot_id | cut -c1-8) on its first boot" > /root/kiln-note
                /bin/sync
                echo "KILN-NOTE-WRITTEN: $(cat /root/kiln-note)"
            fi
            echo "KILN-GUEST-READY: hello from the kiln quickstart image"
            exec /bin/sh
            INIT
            chmod 0755 sbin/init

            """

        static func vm(_ name: String, image: String, power: String = "running") -> String {
            """
            apiVersion: kiln.dev/v1
            kind: VirtualMachine
            metadata: {name: \(name)}
            spec:
              image: \(image)
              cpus: 1
              memory: 256mib
              powerState: \(power)
              ready: {consoleContains: KILN-GUEST-READY}

            """
        }

        @Test(.timeLimit(.minutes(10)))
        func aStoppedVMsDiskBecomesAnImageThatShowsWhatItWrote() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try QuickstartBuildTests.copyQuickstart(into: repo)
                try repo.write("quickstart/scripts/install-init.sh", Self.noteInit, executable: true)
                try repo.write("quickstart/vms/hello-1.yaml", Self.vm("hello-1", image: "busybox"))
                try await repo.commit("A VM that leaves a note on its disk")
                let data = DataDirectory(path: scratch.dataDir)
                let first = VMHost(data: data, name: "hello-1")
                let second = VMHost(data: data, name: "hello-2")
                func console(_ vm: VMHost) -> String {
                    vm.folder.flatMap { try? String(contentsOfFile: "\($0)/console.log", encoding: .utf8) } ?? ""
                }

                // MARK: the first VM boots and writes its note.
                let booted = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: Self.vmFlags, timeout: "6m")
                #expect(booted.exitCode == 0, "\(booted)")
                let written = try #require(
                    console(first).split(whereSeparator: \.isNewline).first { $0.hasPrefix("KILN-NOTE-WRITTEN: ") },
                    "\(console(first))")
                let note = written.dropFirst("KILN-NOTE-WRITTEN: ".count).trimmingCharacters(
                    in: .whitespacesAndNewlines)

                // MARK: while it runs, a snapshot of it waits, saying why.
                try repo.write("quickstart/images/golden.yaml", Specs.snapshotImage("golden", of: "hello-1"))
                try await repo.commit("Snapshot hello-1")
                _ = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: Self.vmFlags, wait: false)
                let waiting = try data.status("image", "golden").ready
                #expect(
                    waiting?.status == "False"
                        && waiting?.message.contains("a snapshot is taken of a stopped VM") == true,
                    "\(String(describing: waiting))")
                #expect(first.pid != nil, "the snapshot never stops a VM by itself")

                // MARK: git stops it: the snapshot is taken, and a second VM boots from it and shows the note.
                try repo.write("quickstart/vms/hello-1.yaml", Self.vm("hello-1", image: "busybox", power: "stopped"))
                try repo.write("quickstart/vms/hello-2.yaml", Self.vm("hello-2", image: "golden"))
                try await repo.commit("Stop hello-1; boot hello-2 from its snapshot")
                let synced = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: Self.vmFlags, timeout: "6m")
                let golden = try #require(try await data.objects("images")["golden"], "\(synced)")
                #expect(golden["state"] == .string("ACTIVE"), "\(golden) \(synced)")
                let path = try #require(golden["path"]?.string)
                #expect(path == "\(data.path)/images/golden/1.qcow2")
                let info = try await ChildProcess.shell(
                    "qemu-img info -U --output=json -f qcow2 \(ChildProcess.quoted(path))")
                #expect(!info.contains("backing"), "a snapshot stands alone: \(info)")
                #expect(first.qemuProcesses.count == 1 && first.pid == nil, "only hello-2 runs")
                #expect(second.status?.isReady == true, "\(String(describing: second.status)) \(synced)")
                #expect(console(second).contains("KILN-NOTE: \(note)"), "\(console(second))")

                let teardown = try await KilnBinary.run(["teardown", "--data-dir", data.path])
                #expect(teardown.exitCode == 0, "\(teardown)")
                #expect(second.qemuProcesses.isEmpty)
            }
        }
    }
}
