import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Small pure helpers: redaction, line splitting, redirects, addresses, the script environment, hashing, /proc.
@Suite struct SupportTests {
    @Test func redactorMasksEveryKnownValue() {
        var redactor = Redactor()
        redactor.add("hunter2")
        redactor.add("hunter2-long")
        redactor.add("")
        #expect(
            redactor.redact("pw=hunter2-long and hunter2, hunter2")
                == "pw=\(SecretReference.mask) and \(SecretReference.mask), \(SecretReference.mask)")
        #expect(redactor.redact("nothing here") == "nothing here")
        redactor.add("-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END KEY-----\n")
        #expect(redactor.redact("MIIEowIBAAKCAQEA") == SecretReference.mask)
    }

    @Test func lineSplitting() {
        var splitter = LineSplitter(maxLineBytes: 8)
        #expect(splitter.append(Array("one\r\ntw".utf8)) == ["one"])
        #expect(splitter.append(Array("o\n0123456789\n".utf8)) == ["two", "01234567", "89"])
        #expect(splitter.append([0xFF, 0x41]) == [])
        #expect(splitter.finish() == "\u{FFFD}A")
        #expect(splitter.finish() == nil)
    }

    @Test(arguments: [
        ("/next", "http://127.0.0.1:8080/next"),
        ("https://mirror.example.org/x.tar", "https://mirror.example.org/x.tar"),
        ("x.tar", "http://127.0.0.1:8080/a/x.tar")
    ])
    func redirectsResolveRelativeToTheRequest(location: String, resolved: String) throws {
        let base = try #require(URL(string: "http://127.0.0.1:8080/a/b"))
        #expect(try RedirectTarget.resolve(location: location, from: base).get().absoluteString == resolved)
    }

    @Test(arguments: [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.org/x", "scheme"),
        ("http://metadata.google.internal/", "metadata"),
        ("//169.254.169.254/x", "link-local"),
        ("http://user:pw@example.org/", "credentials")
    ])
    func refusedRedirects(location: String, reason: String) throws {
        let base = try #require(URL(string: "http://127.0.0.1:8080/a"))
        guard case .failure(.urlRefused(_, let why)) = RedirectTarget.resolve(location: location, from: base) else {
            Issue.record("\(location) must be refused")
            return
        }
        #expect(why.contains(reason), "\(why)")
    }

    @Test func everyResolvedAddressIsChecked() {
        let good = AddressResolver.Address(bytes: [93, 184, 216, 34], text: "93.184.216.34")
        let metadata = AddressResolver.Address(bytes: [169, 254, 169, 254], text: "169.254.169.254")
        var linkLocal6 = [UInt8](repeating: 0, count: 16)
        linkLocal6[0] = 0xFE
        linkLocal6[1] = 0x80
        #expect(AddressResolver.firstProblem([good]) == nil)
        #expect(AddressResolver.firstProblem([good, metadata])?.contains("link-local") == true)
        #expect(
            AddressResolver.firstProblem([AddressResolver.Address(bytes: linkLocal6, text: "fe80::")])?.contains(
                "fe80::/10") == true)
    }

    @Test func localhostResolvesToAllowedAddresses() async throws {
        #expect(["127.0.0.1", "::1"].contains(try await AddressResolver.resolveChecked(host: "localhost")))
    }

    @Test func scriptEnvironmentIsOnlyWhatIsGiven() throws {
        let spec = Specs.unchecked(scripts: [
            Specs.script("s", env: ["PATH": "/opt/bin", "KILN_ROOTFS": "/evil", "A": "1"])
        ])
        let script = try #require(spec.orderedScripts.first)
        let env = ScriptEnvironment.variables(
            script: script, secrets: ["TOKEN": "t"], buildName: "b", buildNumber: 7, sshUsername: "bot")
        #expect(
            env == [
                "PATH": "/opt/bin", "HOME": "/tmp", "A": "1", "TOKEN": "t", "KILN_SSH_USERNAME": "bot",
                "KILN_ROOTFS": "/kiln/rootfs", "KILN_BUILD_NAME": "b", "KILN_BUILD_NUMBER": "7", "KILN_SCRIPT": "s"
            ])
    }

    @Test(arguments: [
        (Checksum.Algorithm.md5, "900150983cd24fb0d6963f7d28e17f72"),
        (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            .sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
    ])
    func streamedDigests(algorithm: Checksum.Algorithm, hex: String) throws {
        let bed = try TestBed("hash")
        defer { bed.remove() }
        try "abc".write(toFile: bed.root + "/abc", atomically: true, encoding: .utf8)
        #expect(try FileChecksum.compute(algorithm, path: bed.root + "/abc") == hex)
        var hasher = StreamingHasher(algorithm)
        for byte in Array("abc".utf8) { [byte].withUnsafeBytes { hasher.update($0) } }
        #expect(hasher.finalize() == hex)
    }

    @Test(arguments: [
        (Checksum(algorithm: .sha256, hex: String(repeating: "a", count: 64)), nil as String?),
        (Checksum(algorithm: .md5, hex: "abc"), "md5 checksum has 3 hex digits instead of 32"),
        (
            Checksum(algorithm: .sha1, hex: String(repeating: "z", count: 40)),
            "sha1 checksum \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\" is not lower-case hex"
        )
    ])
    func checksumShapes(checksum: Checksum, problem: String?) {
        #expect(FileChecksum.problem(with: checksum) == problem)
    }

    @Test func procStatParsing() {
        let line =
            "4242 (a (weird) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 10000 100 18446744073709551615"
        #expect(
            ProcessTable.parse(stat: line)
                == ProcessTable.Entry(pid: 4242, state: "S", parent: 17, startTime: 987654, group: 4242))
        #expect(ProcessTable.parse(stat: "garbage") == nil)
        let me = getpid()
        #expect(ProcessTable.entry(me)?.pid == me)
    }

    @Test func removeTreeNeverFollowsLinks() throws {
        let bed = try TestBed("remove")
        defer { bed.remove() }
        let outside = bed.root + "/outside"
        let tree = bed.root + "/tree"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "keep".write(toFile: outside + "/file", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: tree + "/locked", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tree + "/link", withDestinationPath: outside)
        try "x".write(toFile: tree + "/locked/f", atomically: true, encoding: .utf8)
        chmod(tree + "/locked", 0o500)
        try FileSystem.removeTree(tree)
        #expect(!FileManager.default.fileExists(atPath: tree))
        #expect(FileManager.default.fileExists(atPath: outside + "/file"))
    }

    @Test func secretsResolveFromEnvAndFolderOnly() throws {
        let bed = try TestBed("secrets")
        defer { bed.remove() }
        let folder = bed.root + "/secrets"
        try FileManager.default.createDirectory(atPath: folder + "/db", withIntermediateDirectories: true)
        try "pw\n".write(toFile: folder + "/db/password", atomically: true, encoding: .utf8)
        try "outside".write(toFile: bed.root + "/outside", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: folder + "/escape", withDestinationPath: bed.root + "/outside")
        let resolver = SecretResolver(environment: ["KILN_TOKEN": "t0k", "AWS_SECRET": "no"], secretsDirectory: folder)
        #expect(try resolver.resolve(.fromEnv("KILN_TOKEN")) == "t0k")
        #expect(try resolver.resolve(.fromFile("db/password")) == "pw")
        #expect(
            throws: BuildError.secretUnavailable(
                reference: "fromEnv AWS_SECRET", reason: "only variables whose names start with KILN_ can be read")
        ) {
            try resolver.resolve(.fromEnv("AWS_SECRET"))
        }
        #expect(
            throws: BuildError.secretUnavailable(
                reference: "fromFile escape",
                reason: "no such file in the secrets folder, or it leads outside the folder")
        ) {
            try resolver.resolve(.fromFile("escape"))
        }
        #expect(
            throws: BuildError.secretUnavailable(
                reference: "fromFile ../outside",
                reason: "\"../outside\" leaves the spec root (..); name a file inside it")
        ) {
            try resolver.resolve(.fromFile("../outside"))
        }
    }

    @Test(arguments: [
        ("/usr/bin:/bin", "/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"),
        ("/opt/qemu/bin:/usr/sbin:/usr/bin", "/opt/qemu/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/sbin"),
        (nil, "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin")
    ])
    func defaultSearchPathAddsSbin(path: String?, expected: String) {
        #expect(QemuImageBuilder.searchPath(from: path) == expected)
    }

    @Test func missingToolErrorNamesThePackage() {
        #expect(throws: BuildError.toolMissing(tool: "bwrap", debianPackage: "bubblewrap", searchPath: "/nowhere")) {
            try ToolLocator(searchPath: "/nowhere").locate(.bwrap)
        }
        #expect(
            Tool.allCases.map(\.debianPackage) == [
                "qemu-utils", "e2fsprogs", "bubblewrap", "util-linux", "gzip", "zstd", "fdisk", "dosfstools", "mtools",
                "mtools", "syslinux", "qemu-system-x86", "mmdebstrap", "e2fsprogs", "openssh-client", "openssh-client",
                "dash", "e2fsprogs", "e2fsprogs", "e2fsprogs", "util-linux", "util-linux", "xz-utils"
            ])
    }
}
