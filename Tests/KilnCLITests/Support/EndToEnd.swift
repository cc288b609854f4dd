import Foundation
import KilnTestSupport
import Testing

extension Tag {
    /// Runs the real `kiln` executable.
    @Tag static var binary: Self
    /// Reconciles for real: build workers, qemu-img, mkfs, bwrap (seconds to minutes).
    @Tag static var slow: Self
    /// Boots a real VM under qemu.
    @Tag static var qemu: Self
}

/// The suites that reconcile for real (builds, VMs, SIGKILLs). They run one at a time, so that on a small CI machine
/// their timings (a crash test's kill points, a VM's boot) do not depend on each other.
@Suite(.serialized, .tags(.binary, .slow))
enum Reconciling {}

extension KilnBinary {
    /// `kiln sync --repo REPO --data-dir DATA --wait` with a time limit; `extra` adds flags.
    static func sync(
        repo: String, dataDir: String, extra: [String] = [], wait: Bool = true, timeout: String = "3m",
        environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        var arguments = ["sync", "--repo", repo, "--data-dir", dataDir]
        if wait { arguments += ["--wait", "--timeout", timeout] }
        return try await run(arguments + extra, environment: environment, timeout: .seconds(400))
    }
}

/// What booting a VM needs on this host: qemu and Debian's kernel and initrd for direct kernel boot.
enum BootHost {
    static let kernel = "/vmlinuz"
    static let initrd = "/initrd.img"

    static var canBoot: Bool {
        FileManager.default.fileExists(atPath: kernel) && FileManager.default.fileExists(atPath: initrd)
            && ["/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img"].allSatisfy(FileManager.default.isExecutableFile)
    }
}
