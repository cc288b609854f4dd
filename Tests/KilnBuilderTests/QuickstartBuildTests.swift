import Foundation
import KilnSpec
import KilnTestSupport
import Synchronization
import Testing

@testable import KilnBuilder

/// The quickstart build end to end with the real tools, then a real boot of what it made.
@Suite(.serialized) struct QuickstartBuildTests {
    /// The quickstart example's own script: the test builds what users build.
    static let installBusybox =
        (try? String(
            contentsOfFile: KilnBinary.packageRoot + "/examples/quickstart/scripts/install-busybox.sh",
            encoding: .utf8)) ?? ""

    static let installInit = """
        #!/bin/sh
        set -eu
        cd "$KILN_ROOTFS"
        echo "$GUEST_MARKER" > etc/kiln-marker
        cat > sbin/init <<'INIT'
        #!/bin/sh
        /bin/mount -t proc proc /proc
        echo "KILN-GUEST-READY $(cat /etc/kiln-marker)"
        /bin/poweroff -f
        INIT
        chmod 0755 sbin/init
        echo "wrote init for $KILN_BUILD_NAME #$KILN_BUILD_NUMBER"
        """

    static func yaml(marker: String) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata: {name: busybox}
        spec:
          type: qemu
          source: {scratch: true}
          scripts:
            - {name: install-busybox, path: scripts/install-busybox.sh, phase: provision, timeout: 2m}
            - {name: install-init, path: scripts/install-init.sh, phase: postProvision, timeout: 1m, env: {GUEST_MARKER: \(marker)}}
          disk: {size: 64mib, label: kiln-root}
          conversionFormats: [qcow2, vmdk]
        """
    }

    @Test func buildsVerifiedImagesThatBoot() async throws {
        let bed = try TestBed("busybox")
        defer { bed.remove() }
        let marker = "marker-\(UInt32.random(in: 0...UInt32.max))"
        let parsed = Specs.parse(Self.yaml(marker: marker))
        #expect(parsed.errors.isEmpty)
        let spec = try #require(parsed.spec)
        let files = MemoryFiles([
            "scripts/install-busybox.sh": Self.installBusybox, "scripts/install-init.sh": Self.installInit
        ])
        let seen = ProgressLog()
        let images: [BuiltImage]
        do {
            images = try await hostBuilder().build(bed.request(spec, files: files)) { seen.append($0) }
        } catch {
            Issue.record("build failed: \(error)\nlog:\n\(bed.log)")
            return
        }

        #expect(images.map(\.format) == ["raw", "qcow2", "vmdk"])
        for image in images {
            #expect(image.name == "busybox-1")
            #expect(image.path.hasPrefix(bed.artifactDirectory + "/"))
            let info = try Shell.check("qemu-img info --output=json -f \(image.format) \(Shell.quoted(image.path))")
            let parsedInfo = try #require(QemuImageInfo.parse(info))
            #expect(parsedInfo.format == image.format)
            #expect(parsedInfo.virtualSize == 64 << 20)
            #expect(parsedInfo.backingFilename == nil)
            let sum = try Shell.check("sha256sum \(Shell.quoted(image.path))").split(separator: " ").first.map(
                String.init)
            #expect(sum == image.sha256)
            #expect(try FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int64 == image.size)
        }
        #expect(!FileManager.default.fileExists(atPath: bed.workDirectory))

        let messages = seen.all.map(\.statusMessage)
        #expect(
            messages == [
                "Fetching", "Unpacking", "Provisioning: install-busybox", "Provisioning: install-init",
                "Creating disk", "Converting: qcow2", "Converting: vmdk", "Verifying", "Checksumming", "Done"
            ])
        let percents = seen.all.map(\.statusPercent)
        #expect(percents == percents.sorted())
        #expect(percents.last == 100)

        let log = bed.log
        #expect(log.contains("[install-busybox] installed busybox with"))
        #expect(log.contains("[install-init] wrote init for busybox #1"))
        #expect(log.split(separator: "\n").allSatisfy { $0.first?.isNumber == true && $0.contains("Z [") })

        let qcow2 = try #require(images.first { $0.format == "qcow2" })
        let console = try await GuestBoot.bootAndWait(
            disk: qcow2.path, format: "qcow2", for: "KILN-GUEST-READY", in: bed.root)
        #expect(console.contains("KILN-GUEST-READY \(marker)"), "serial console:\n\(console.suffix(3000))")
    }
}

/// Collects progress reports from the builder's callback.
final class ProgressLog: Sendable {
    private let reports = Mutex<[BuildProgress]>([])
    func append(_ report: BuildProgress) { reports.withLock { $0.append(report) } }
    var all: [BuildProgress] { reports.withLock { $0 } }
}
