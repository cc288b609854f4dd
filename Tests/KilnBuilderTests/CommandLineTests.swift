import Testing

@testable import KilnBuilder

/// Command lines are pure functions of their inputs: checked here without running anything.
@Suite struct CommandLineTests {
    static let mergedUsr = SandboxLayout(entries: [
        .symlink(path: "/bin", target: "usr/bin"), .symlink(path: "/lib64", target: "usr/lib64")
    ])

    static func invocation(network: Bool = false, hidden: [HiddenPath] = []) -> SandboxInvocation {
        SandboxInvocation(
            rootfs: "/data/work/b/1/rootfs", scriptFile: "/data/work/b/1/scripts/0-s", interpreter: "sh",
            network: network, hidden: hidden, limits: BuildLimits.ScriptLimits())
    }

    @Test func bwrapWithoutNetwork() {
        let arguments = SandboxCommand.bwrapArguments(
            Self.invocation(), layout: Self.mergedUsr, interpreterPath: "/bin/sh")
        #expect(
            arguments == [
                "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                "--hostname", "kiln-build", "--cap-drop", "ALL",
                "--cap-add", "CAP_CHOWN", "--cap-add", "CAP_DAC_OVERRIDE", "--cap-add", "CAP_FOWNER", "--cap-add",
                "CAP_FSETID",
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib64", "/lib64",
                "--ro-bind-try", "/etc/alternatives", "/etc/alternatives", "--ro-bind-try", "/etc/passwd",
                "/etc/passwd",
                "--ro-bind-try", "/etc/group", "/etc/group", "--ro-bind-try", "/etc/nsswitch.conf",
                "/etc/nsswitch.conf",
                "--ro-bind-try", "/etc/localtime", "/etc/localtime",
                "--proc", "/proc", "--dev", "/dev", "--size", "1073741824", "--tmpfs", "/tmp",
                "--bind", "/data/work/b/1/rootfs", "/kiln/rootfs", "--ro-bind", "/data/work/b/1/scripts/0-s",
                "/kiln/script",
                "--chdir", "/kiln/rootfs", "--", "/bin/sh", "/kiln/script"
            ])
    }

    @Test func networkSharesTheNamespaceAndResolverFiles() {
        let arguments = SandboxCommand.bwrapArguments(
            Self.invocation(network: true), layout: Self.mergedUsr, interpreterPath: "/bin/sh")
        #expect(arguments.prefix(2) == ["--unshare-all", "--share-net"])
        #expect(arguments.contains("/etc/resolv.conf"))
        #expect(arguments.contains("/etc/ssl"))
        let offline = SandboxCommand.bwrapArguments(
            Self.invocation(), layout: Self.mergedUsr, interpreterPath: "/bin/sh")
        #expect(!offline.contains("--share-net"))
        #expect(!offline.contains("/etc/resolv.conf"))
    }

    @Test func realFoldersAreBoundReadOnly() {
        let layout = SandboxLayout(entries: [.directory("/bin"), .directory("/lib")])
        let arguments = SandboxCommand.bwrapArguments(Self.invocation(), layout: layout, interpreterPath: "/bin/sh")
        #expect(arguments.joined(separator: " ").contains("--ro-bind /bin /bin --ro-bind /lib /lib"))
    }

    @Test(arguments: [
        // A data folder holding the work folder is not visible anyway: no mask.
        (HiddenPath(path: "/data", isDirectory: true), [String]()),
        (HiddenPath(path: "/usr/local/kiln", isDirectory: true), ["--tmpfs", "/usr/local/kiln"]),
        (
            HiddenPath(path: "/usr/local/kiln/token", isDirectory: false),
            ["--ro-bind", "/dev/null", "/usr/local/kiln/token"]
        ),
        (HiddenPath(path: "/etc/passwd", isDirectory: false), ["--ro-bind", "/dev/null", "/etc/passwd"]),
        (
            HiddenPath(path: "/data/work/b/1/rootfs/etc/secret", isDirectory: false),
            ["--ro-bind", "/dev/null", "/kiln/rootfs/etc/secret"]
        ),
        (HiddenPath(path: "/data/work/b/1/rootfs", isDirectory: true), [String]()),
        (HiddenPath(path: "/srv/elsewhere", isDirectory: true), [String]())
    ])
    func hiddenPathsAreMaskedWhereABindWouldShowThem(hidden: HiddenPath, mask: [String]) {
        let arguments = SandboxCommand.bwrapArguments(
            Self.invocation(hidden: [hidden]), layout: Self.mergedUsr, interpreterPath: "/bin/sh")
        let scriptBind = arguments.firstIndex(of: "/kiln/script")!
        let chdir = arguments.lastIndex(of: "--chdir")!
        #expect(Array(arguments[(scriptBind + 1)..<chdir]) == mask)
    }

    @Test func prlimitSetsEveryLimit() {
        var limits = BuildLimits.ScriptLimits()
        limits.maxFileBytes = 1000
        limits.maxOpenFiles = 64
        limits.maxProcesses = 32
        limits.maxAddressSpaceBytes = 2000
        #expect(
            SandboxCommand.prlimitArguments(limits) == [
                "--fsize=1000", "--nofile=64", "--nproc=32", "--as=2000", "--core=0"
            ])
    }

    @Test func wholeCommandRunsBwrapUnderPrlimit() throws {
        let command = try SandboxCommand.commandLine(
            prlimit: "/usr/bin/prlimit", bwrap: "/usr/bin/bwrap",
            run: Self.invocation(), layout: Self.mergedUsr)
        #expect(command.executable == "/usr/bin/prlimit")
        let separator = try #require(command.arguments.firstIndex(of: "--"))
        #expect(command.arguments[separator + 1] == "/usr/bin/bwrap")
        #expect(command.arguments.suffix(2) == ["/bin/sh", "/kiln/script"])
    }

    @Test(arguments: [("sh", "/bin/sh"), ("bash", "/bin/bash")])
    func interpreters(name: String, path: String) throws {
        #expect(try SandboxCommand.interpreterPath(name) == path)
    }

    @Test func unknownInterpreterIsRefused() {
        #expect(throws: BuildError.unsupported("script interpreter python is not supported; use sh or bash")) {
            try SandboxCommand.interpreterPath("python")
        }
    }

    @Test(arguments: [
        (ImageFormat.qcow2, ["convert", "-q", "-f", "raw", "-O", "qcow2", "d.raw", "d.qcow2"]),
        (.vmdk, ["convert", "-q", "-f", "raw", "-O", "vmdk", "d.raw", "d.qcow2"]),
        (
            .vhd,
            ["convert", "-q", "-f", "raw", "-O", "vpc", "-o", "subformat=dynamic,force_size=on", "d.raw", "d.qcow2"]
        ),
        (.vhdx, ["convert", "-q", "-f", "raw", "-O", "vhdx", "d.raw", "d.qcow2"]),
        (.ovf, ["convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", "d.raw", "d.qcow2"])
    ])
    func qemuImgConvert(format: ImageFormat, expected: [String]) {
        #expect(QemuImgCommand.convert(raw: "d.raw", to: "d.qcow2", format: format) == expected)
    }

    @Test func qemuImgInfoNamesTheFormat() {
        #expect(QemuImgCommand.info("/o/x.vhd", format: .vhd) == ["info", "--output=json", "-f", "vpc", "/o/x.vhd"])
    }

    @Test func mkfsFillsFromTheRootfsInKiB() {
        #expect(
            MkfsCommand.arguments(rootfs: "/w/rootfs", label: "kiln-root", image: "/w/out/d.raw", bytes: 64 << 20)
                == ["-q", "-d", "/w/rootfs", "-L", "kiln-root", "/w/out/d.raw", "65536k"])
    }

    @Test(arguments: [
        ("kiln-root", nil), ("sixteen-chars-ok", nil),
        ("seventeen-chars-x", "disk.label seventeen-chars-x has 17 bytes; ext4 labels hold at most 16")
    ])
    func labels(label: String, problem: String?) {
        #expect(MkfsCommand.labelProblem(label) == problem)
    }

    @Test func compressors() {
        #expect(CompressCommand.arguments(.gzip, file: "/o/x.qcow2") == ["-n", "-q", "/o/x.qcow2"])
        #expect(
            CompressCommand.arguments(.zstd, file: "/o/x.qcow2") == [
                "-q", "-T0", "--rm", "/o/x.qcow2", "-o", "/o/x.qcow2.zst"
            ])
        #expect(CompressCommand.arguments(.none, file: "/o/x.qcow2") == [])
    }
}
