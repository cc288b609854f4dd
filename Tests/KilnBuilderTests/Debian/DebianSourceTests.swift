import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// The operator's mirror from the host's apt sources, mmdebstrap's command line and the package list: pure.
@Suite struct DebianSourceTests {
    @Test func theHostsDebianArchiveIsTheDefaultMirror() throws {
        let etc = NSTemporaryDirectory() + "kiln-apt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: etc) }
        try FileManager.default.createDirectory(atPath: etc + "/sources.list.d", withIntermediateDirectories: true)
        try "deb https://packages.example.com/apt tools main\n".write(
            toFile: etc + "/sources.list", atomically: true, encoding: .utf8)
        try """
        Types: deb
        URIs: http://mirror.local/debian-security
        Suites: bookworm-security
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        Types: deb
        # a comment
        URIs: http://mirror.local/debian
        Suites: bookworm bookworm-updates
        Components: main
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
        """.write(toFile: etc + "/sources.list.d/debian.sources", atomically: true, encoding: .utf8)
        #expect(DebianMirror.host(etc: etc) == "http://mirror.local/debian")
        try
            "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://proxy:3142/deb.debian.org/debian bookworm main\n"
            .write(toFile: etc + "/sources.list", atomically: true, encoding: .utf8)
        #expect(DebianMirror.host(etc: etc) == "http://proxy:3142/deb.debian.org/debian")
        #expect(DebianMirror.host(etc: etc + "/none") == nil)
    }

    @Test func mmdebstrapCommandLine() {
        let input = MmdebstrapCommand.Input(
            source: .init(
                suite: "bookworm", variant: "minbase", components: ["main", "contrib"],
                packages: ["linux-image-amd64", "udev"]),
            mirror: "http://m/debian", rootfs: "/w/rootfs", cache: "/d/cache/debian", packagesFile: "/w/packages.txt",
            mirrorDateFile: "/w/mirror-date")
        let arguments = MmdebstrapCommand.arguments(input)
        #expect(
            arguments.prefix(6) == [
                "--mode=root", "--format=directory", "--variant=minbase", "--components=main,contrib",
                "--skip=essential/unlink", "--include=linux-image-amd64,udev"
            ])
        #expect(arguments.suffix(3) == ["bookworm", "/w/rootfs", "http://m/debian"])
        #expect(arguments.contains("--setup-hook=sync-in /d/cache/debian /var/cache/apt/archives/"))
        #expect(arguments.contains("--customize-hook=sync-out /var/cache/apt/archives /d/cache/debian"))
    }

    @Test func mmdebstrapFailuresAreExplainedInTheSpecsWords() {
        let source = ImageBuildSpec.DebianSource(suite: "bookwrm")
        #expect(
            MmdebstrapCommand.explain(
                ["E: The repository 'http://m/debian bookwrm Release' does not have a Release file."], source: source,
                mirror: "http://m/debian")?
                .contains("suite bookwrm is not on the mirror http://m/debian") == true)
        #expect(
            MmdebstrapCommand.explain(["E: Unable to locate package nginxx"], source: source, mirror: "m")?.contains(
                "package nginxx is not in bookwrm") == true)
    }

    @Test func packageListAndCacheUse() {
        let list = PackageList(text: "adduser 3.134 all\nlibc6 2.36-9+deb12u9 amd64\nlibpam0g 1:1.5.2-6 amd64\n")
        #expect(
            list.packages.map(\.debFileName) == [
                "adduser_3.134_all.deb", "libc6_2.36-9+deb12u9_amd64.deb", "libpam0g_1%3a1.5.2-6_amd64.deb"
            ])
        let use = list.cacheUse(before: ["adduser_3.134_all.deb", "libpam0g_1%3a1.5.2-6_amd64.deb", "other_1_all.deb"])
        #expect(use.hits == 2 && use.downloaded == 1)
    }
}

/// mmdebstrap for real against the operator's mirror (the host's apt sources), for what fails fast.
@Suite(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mmdebstrap") && DebianMirror.host() != nil,
        "needs mmdebstrap and a Debian mirror in the host's apt sources"))
struct DebianSourceFailureTests {
    @Test func aSuiteThatDoesNotExistFailsNamingTheSuite() async throws {
        let bed = try TestBed("nosuite")
        defer { bed.remove() }
        let spec = try #require(
            Specs.parse(
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: nosuite}
                spec:
                  type: qemu
                  source: {debian: {suite: no-such-suite, packages: [linux-image-amd64]}}
                """
            ).spec)
        do {
            _ = try await hostBuilder().build(bed.request(spec)) { _ in }
            Issue.record("a suite that does not exist must fail")
        } catch {
            #expect(error.description.contains("suite no-such-suite is not on the mirror"), "\(error)")
        }
        #expect(bed.nothingLeftBehind)
    }

    /// mmdebstrap mounts proc, sys, dev (with a bind of the host's /dev/shm) and dev/pts in the root filesystem, and
    /// unmounts them only when it ends well. In a mount namespace of its own, the host never sees them: a build
    /// cancelled mid-mount (its process group SIGKILLed, as a killed worker's is) leaves nothing mounted, and removing
    /// its workspace cannot reach the host's /dev/shm.
    @Test func mmdebstrapsMountsNeverReachTheHost() async throws {
        let bed = try TestBed("mounts")
        defer { bed.remove() }
        let spec = try #require(
            Specs.parse(
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: mounts}
                spec:
                  type: qemu
                  source: {debian: {suite: bookworm}}
                """
            ).spec)
        let build = Task { try await hostBuilder().build(bed.request(spec)) { _ in } }
        let rootfs = bed.workDirectory + "/rootfs/"
        var mmdebstrap: Int32?
        let mounted = await BuildVMProcessTests.eventually(within: .seconds(900)) {
            guard
                let pid = Processes.running(containing: "mmdebstrap").first(where: {
                    Processes.commandLine($0).contains(bed.workDirectory)
                })
            else { return false }
            mmdebstrap = pid
            return Self.mountPoints(of: "\(pid)").contains { $0.hasPrefix(rootfs) }
        }
        #expect(mounted, "mmdebstrap never mounted anything under \(rootfs)")
        #expect(
            !Self.mountPoints(of: "self").contains { $0.hasPrefix(bed.root) },
            "mmdebstrap's mounts are visible in the host's mount namespace")
        build.cancel()
        if case .success = await build.result { Issue.record("a cancelled build must fail") }
        if let mmdebstrap { #expect(kill(mmdebstrap, 0) != 0, "mmdebstrap (pid \(mmdebstrap)) outlived its build") }
        #expect(!Self.mountPoints(of: "self").contains { $0.hasPrefix(bed.root) })
        #expect(bed.nothingLeftBehind)
    }

    /// The mount points (mountinfo's fifth field) that `/proc/<process>` sees.
    static func mountPoints(of process: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/\(process)/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }
    }
}
