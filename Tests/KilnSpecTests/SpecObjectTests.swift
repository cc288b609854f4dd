import KilnSpec
import Testing

/// The canonical hash of a spec: what Kiln compares to decide that a spec changed.
@Suite struct SpecObjectTests {
    static let base = Doc.build(
        """
        type: qemu
        description: Debian with nginx
        source:
          url: https://example.com/rootfs.tar.gz
          checksum: sha256:\(String(repeating: "ab", count: 32))
        disk: {size: 2gib}
        scripts:
          - {name: install, path: scripts/install.sh, timeout: 90s}
        conversionFormats: [qcow2, vmdk]
        config: {tier: web, replicas: 2}
        """)

    /// The same spec written differently: key order, quoting, comments, flow or block style, spacing, defaults
    /// written out, and values written in another accepted form.
    static let sameSpecs: [(String, String)] = [
        (
            "key order",
            """
            apiVersion: kiln.dev/v1
            spec:
              config: {replicas: 2, tier: web}
              conversionFormats: [qcow2, vmdk]
              scripts:
                - {timeout: 90s, path: scripts/install.sh, name: install}
              disk: {size: 2gib}
              source:
                checksum: sha256:\(String(repeating: "ab", count: 32))
                url: https://example.com/rootfs.tar.gz
              description: Debian with nginx
              type: qemu
            metadata:
              name: web
            kind: ImageBuild
            """
        ),
        (
            "quoting, comments, style and spacing",
            """
            # The web build.
            apiVersion: "kiln.dev/v1"
            kind: 'ImageBuild'
            metadata: {name: "web"}
            spec:
              type: "qemu"   # the only builder
              description: >-
                Debian with
                nginx
              source: {url: 'https://example.com/rootfs.tar.gz', checksum: "sha256:\(String(repeating: "ab", count: 32))"}
              disk:
                size:    2gib
              scripts:
              - name: install
                path: "scripts/install.sh"
                timeout: "90s"
              conversionFormats:
                - qcow2
                - vmdk
              config:
                tier: "web"
                replicas: 2
            """
        ),
        (
            "defaults written out",
            Doc.build(
                """
                type: qemu
                description: Debian with nginx
                source:
                  url: https://example.com/rootfs.tar.gz
                  checksum: sha256:\(String(repeating: "ab", count: 32))
                disk: {size: 2gib, filesystem: ext4, label: kiln-root}
                scripts:
                  - {name: install, path: scripts/install.sh, timeout: 90s, phase: provision, type: sh, network: false}
                conversionFormats: [qcow2, vmdk]
                config: {tier: web, replicas: 2}
                isCloudInit: false
                vmToolsInstalled: false
                compress: none
                keepResults: 0
                run: {policy: onChange}
                suspend: false
                """)
        ),
        (
            "other spellings of the same values",
            Doc.build(
                """
                type: qemu
                description: Debian with nginx
                source:
                  url: https://example.com/rootfs.tar.gz
                  checksum: SHA256:\(String(repeating: "AB", count: 32))
                disk: {size: 2048MiB}
                scripts:
                  - {name: install, path: ./scripts/./install.sh, timeout: 1m30s}
                conversionFormats: [qcow2, vmdk]
                config: {tier: web, replicas: 2}
                """)
        )
    ]

    @Test(arguments: sameSpecs)
    func theHashIgnoresHowASpecIsWritten(label: String, text: String) throws {
        let base = try object(Self.base)
        let other = try object(text)
        #expect(other.spec == base.spec, "\(label)")
        #expect(other.specHash == base.specHash, "\(label)")
        #expect(other.contentHash == base.contentHash, "\(label)")
    }

    @Test(arguments: [
        ("description: Debian with nginx", "description: Debian with Nginx"),
        ("disk: {size: 2gib}", "disk: {size: 3gib}"),
        ("conversionFormats: [qcow2, vmdk]", "conversionFormats: [vmdk, qcow2]"),
        ("config: {tier: web, replicas: 2}", "config: {tier: web, replicas: \"2\"}"),
        ("timeout: 90s}", "timeout: 91s}")
    ])
    func anyRealChangeChangesTheHash(from: String, to: String) throws {
        let changed = Self.base.replacingOccurrences(of: from, with: to)
        #expect(changed != Self.base)
        #expect(try object(changed).specHash != object(Self.base).specHash)
    }

    @Test func labelsChangeTheContentHashButNotTheSpecHash() throws {
        let base = try object(Self.base)
        let labelled = try object(
            Self.base.replacingOccurrences(of: "  name: web\n", with: "  name: web\n  labels: {team: web}\n"))
        #expect(labelled.specHash == base.specHash)
        #expect(labelled.contentHash != base.contentHash)
    }

    /// Hashes are stored, so the canonical form must not drift between versions of Kiln.
    @Test func theHashOfASpecIsStableAcrossVersions() throws {
        let vm = try object(Doc.vm())
        #expect(
            vm.spec.canonicalJSON
                == #"{"cpus":1,"image":"web","launchGui":false,"memory":"512mib","networkType":"nat","powerState":"running","suspend":false,"toolsInitTimeout":"0s"}"#
        )
        #expect(vm.specHash == "adfdba9e7e01d887f7c4cd84f5bd334df05012463aa47f3da6f1ed3029b144e4")
    }
}

extension SpecObjectTests {
    /// Every default a typed spec falls back to is a schema default, so writing it out changes nothing.
    @Test(arguments: [
        (
            Doc.image(Doc.imageBody + "\nsource: {build: web}"),
            Doc.image(Doc.imageBody + "\nsource: {build: web, format: qcow2}")
        ),
        (
            Doc.image(),
            Doc.image(
                Doc.imageBody
                    + "\narchitecture: x86_64\ntype: stateful\nactive: true\nfeatures: []\nextensions: {}\nsupportsPhysicalMachine: false"
            )
        ),
        (
            Doc.vm(),
            Doc.vm(
                "image: web\ncpus: 1\nmemory: 512mib\nnetworkType: nat\nlaunchGui: false\npowerState: running\ntoolsInitTimeout: 0s\nsuspend: false"
            )
        )
    ])
    func aDefaultWrittenOutGivesTheSameHash(omitted: String, written: String) throws {
        let a = try object(omitted)
        let b = try object(written)
        #expect(a.spec == b.spec)
        #expect(a.specHash == b.specHash)
    }
}
