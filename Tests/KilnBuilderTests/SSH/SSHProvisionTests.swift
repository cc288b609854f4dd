import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// `provisioner: ssh` against a guest that boots (busybox with this host's kernel, under SeaBIOS) but never opens
/// SSH: it fails after `sshTimeout` with the console's tail, or stops at once when cancelled, and in both cases no
/// qemu is left (the process table is checked for anything naming the test's folder).
///
/// The guest has what the checks before the boot look for (an sshd file, Debian's sshd_config Include line, root in
/// /etc/passwd, systemd-networkd's files), none of it working. The full path, with a real sshd, is the Debian
/// end-to-end test's `web` layer (KilnCLITests.DebianImageTests).
@Suite(
    .serialized,
    .enabled(
        if: BuildVMProcessTests.qemuInstalled
            && FileManager.default.fileExists(atPath: "/usr/share/seabios/bios-256k.bin")))
struct SSHProvisionTests {
    static func silentGuestTarball(in folder: String) throws -> [UInt8] {
        let root = folder + "/tree"
        try Shell.check(
            """
            set -e
            mkdir -p \(root)/bin \(root)/sbin \(root)/boot \(root)/proc \(root)/sys \(root)/dev \(root)/etc/ssh \(root)/usr/sbin \(root)/lib/systemd/system
            cp /bin/busybox \(root)/bin/busybox
            for a in sh mount sleep echo; do ln -s busybox \(root)/bin/$a; done
            printf '#!/bin/sh\\n/bin/mount -t proc proc /proc\\necho KILN-GUEST-UP-WITHOUT-SSH\\nwhile :; do /bin/sleep 3600; done\\n' > \(root)/sbin/init
            chmod 0755 \(root)/sbin/init
            printf '#!/bin/sh\\nexit 1\\n' > \(root)/usr/sbin/sshd
            printf 'Include /etc/ssh/sshd_config.d/*.conf\\n' > \(root)/etc/ssh/sshd_config
            printf 'root:x:0:0:root:/root:/bin/sh\\n' > \(root)/etc/passwd
            : > \(root)/lib/systemd/systemd-networkd
            : > \(root)/lib/systemd/system/systemd-networkd.service
            k=$(ls /boot | grep '^vmlinuz-' | sort -V | tail -1); v=${k#vmlinuz-}
            cp /boot/vmlinuz-$v /boot/initrd.img-$v \(root)/boot/
            tar -C \(root) -cf \(folder)/rootfs.tar .
            """)
        return Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/rootfs.tar")))
    }

    static func spec(sshTimeout: String) -> ImageBuildSpec? {
        Specs.parse(
            """
            apiVersion: kiln.dev/v1
            kind: ImageBuild
            metadata: {name: silent}
            spec:
              type: qemu
              source: {path: rootfs.tar}
              disk: {size: 192mib, boot: bios}
              verify: {boot: false}
              provisioner: ssh
              sshTimeout: \(sshTimeout)
              scripts:
                - {name: never-runs, path: never.sh}
            """
        ).spec
    }

    static func files(_ tarball: [UInt8]) -> MemoryFiles {
        MemoryFiles(bytes: ["rootfs.tar": tarball, "never.sh": Array("echo must not run\n".utf8)])
    }

    @Test(.timeLimit(.minutes(20)))
    func aGuestThatNeverOpensSSHFailsAfterSSHTimeoutWithNoQemuLeft() async throws {
        let bed = try TestBed("silent")
        defer { bed.remove() }
        try bed.makeInputs()
        let tarball = try Self.silentGuestTarball(in: bed.inputs)
        let spec = try #require(Self.spec(sshTimeout: "20s"))
        let seen = ProgressLog()
        let started = ContinuousClock.now
        do {
            _ = try await hostBuilder().build(bed.request(spec, files: Self.files(tarball))) { seen.append($0) }
            Issue.record("a guest without SSH must fail the build")
        } catch {
            guard case .sshTimedOut(let timeout, _, let tail) = error else {
                Issue.record("expected sshTimedOut, got \(error)\n\(bed.log)")
                return
            }
            #expect(timeout == "20s")
            #expect(error.description.contains("did not answer within sshTimeout (20s)"), "\(error)")
            #expect(error.description.contains("Last \(tail.count) console lines"), "\(error)")
        }
        // It waited out the timeout (never gave up early) — a lower bound, which no machine's speed breaks.
        #expect(started.duration(to: .now) >= .seconds(20))
        let messages = seen.all.map(\.statusMessage)
        #expect(messages.contains("Booting build VM") && messages.contains("Waiting for SSH"), "\(messages)")
        #expect(!messages.contains("Provisioning: never-runs") && !messages.contains("Powering off"), "\(messages)")
        #expect(!bed.log.contains("must not run"))
        // Under TCG the build VM boots the host's kernel and initrd decompressed (BuildVMBootFiles).
        #expect(bed.log.contains("kernel decompressed ("), "\(bed.log)")
        #expect(bed.log.contains("initrd decompressed ("), "\(bed.log)")
        #expect(Processes.running(containing: bed.root).isEmpty, "no qemu (or anything else) of this build is left")
        #expect(bed.nothingLeftBehind)
    }

    @Test(.timeLimit(.minutes(20)))
    func cancellingWhileWaitingForSSHStopsTheBuildVM() async throws {
        let bed = try TestBed("cancelled")
        defer { bed.remove() }
        try bed.makeInputs()
        let tarball = try Self.silentGuestTarball(in: bed.inputs)
        let spec = try #require(Self.spec(sshTimeout: "30m"))
        let seen = ProgressLog()
        let request = bed.request(spec, files: Self.files(tarball))
        let build = Task { () -> BuildError? in
            do throws(BuildError) {
                _ = try await hostBuilder().build(request) { seen.append($0) }
                return nil
            } catch {
                return error
            }
        }
        let waiting = await BuildVMProcessTests.eventually(within: .seconds(600)) {
            seen.all.contains { $0.statusMessage == "Waiting for SSH" }
                && !Processes.running(containing: bed.workDirectory).isEmpty
        }
        #expect(waiting, "\(bed.log)")
        build.cancel()
        let error = await build.value
        #expect(error == .cancelled, "\(String(describing: error))")
        #expect(Processes.running(containing: bed.root).isEmpty, "no qemu of this build is left")
        #expect(bed.nothingLeftBehind)
    }
}
