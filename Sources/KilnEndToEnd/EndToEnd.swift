import Foundation
import KilnTestSupport
import Testing

extension Tag {
    /// Runs the real `kiln` executable.
    @Tag public static var binary: Self
    /// Reconciles for real: build workers, qemu-img, mkfs, bwrap (seconds to minutes).
    @Tag public static var slow: Self
    /// Boots a real VM under qemu.
    @Tag public static var qemu: Self
}

extension KilnBinary {
    /// `kiln sync --repo REPO --data-dir DATA --wait` with a time limit; `extra` adds flags.
    public static func sync(
        repo: String, dataDir: String, extra: [String] = [], wait: Bool = true, timeout: String = "3m",
        environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        var arguments = ["sync", "--repo", repo, "--data-dir", dataDir]
        if wait { arguments += ["--wait", "--timeout", timeout] }
        return try await run(arguments + extra, environment: environment, timeout: .seconds(400))
    }
}

/// What booting a VM needs on this host: qemu and Debian's kernel and initrd for direct kernel boot.
public enum BootHost {
    public static let kernel = "/vmlinuz"
    public static let initrd = "/initrd.img"

    public static var canBoot: Bool {
        FileManager.default.fileExists(atPath: kernel) && FileManager.default.fileExists(atPath: initrd)
            && ["/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img"].allSatisfy(FileManager.default.isExecutableFile)
    }
}
