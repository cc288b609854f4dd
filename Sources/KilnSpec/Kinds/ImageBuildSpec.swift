/// An image build's spec (Morpheus image builds): what each execution makes.
public struct ImageBuildSpec: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case scratch
        case url(String, Checksum)
        case path(String, Checksum?)
        /// A root filesystem made by mmdebstrap.
        case debian(DebianSource)
        /// The disk of another Kiln Image (a layered build).
        case image(String)
    }

    /// `source.debian`: what mmdebstrap installs. The mirror is the operator's, never the spec's.
    public struct DebianSource: Sendable, Hashable {
        public var suite: String
        public var variant: String
        public var components: [String]
        public var packages: [String]

        public init(suite: String, variant: String = "apt", components: [String] = ["main"], packages: [String] = []) {
            self.suite = suite
            self.variant = variant
            self.components = components
            self.packages = packages
        }
    }

    public enum Provisioner: String, Sendable, Hashable {
        case chroot, ssh
    }

    public enum Phase: String, Sendable, Hashable, CaseIterable, Comparable {
        case preProvision, provision, postProvision
        var order: Int { Phase.allCases.firstIndex(of: self)! }
        public static func < (a: Phase, b: Phase) -> Bool { a.order < b.order }
    }

    /// One provisioning script (Morpheus scripts[]).
    public struct Script: Sendable, Hashable {
        public var name: String
        public var path: String
        public var phase: Phase
        public var interpreter: String
        public var timeout: SpecDuration
        public var network: Bool
        public var env: [String: String]
        public var secretEnv: [String: SecretReference]
    }

    public enum RunPolicy: String, Sendable, Hashable {
        case onChange, manual
    }

    public var description: String?
    public var type: String
    public var group: String?
    public var cloud: String?
    public var source: Source
    public var bootScript: String?
    public var preseedScript: String?
    public var scripts: [Script]
    public var sshUsername: String?
    public var sshPassword: SecretReference?
    public var isCloudInit: Bool
    public var vmToolsInstalled: Bool
    public var diskSize: IECSize
    public var filesystem: String
    public var diskLabel: String
    /// `disk.boot` as written; nil means "decide from the root filesystem" (see ``resolvedBoot(hasKernel:)``).
    public var diskBoot: DiskBoot?
    public var kernelCommandLine: String?
    public var provisioner: Provisioner
    public var sshTimeout: SpecDuration
    public var verifyBoot: Bool
    public var verifyConsoleContains: String?
    public var verifyTimeout: SpecDuration
    public var verifyReproducible: Bool
    public var buildOutputName: String?
    public var conversionFormats: [String]
    public var compress: String
    public var keepResults: Int
    public var runPolicy: RunPolicy
    public var runToken: String?
    public var suspend: Bool
    public var config: SpecValue
    /// Where its executions may run in a fleet; ignored on one host.
    public var placement: Placement

    /// Reads a validated, normalised spec value.
    public init(_ v: SpecValue) {
        description = v["description"]?.string
        type = v["type"]?.string ?? "qemu"
        group = v["group"]?.string
        cloud = v["cloud"]?.string
        let source = v["source"]
        if let url = source?["url"]?.string {
            // Validation guarantees a checksum; should one ever be missing, an empty one fails verification rather
            // than turning the source into something else.
            let sum = source?["checksum"]?.string.flatMap { try? Checksum.parse($0).get() }
            self.source = .url(url, sum ?? Checksum(algorithm: .sha256, hex: ""))
        } else if let path = source?["path"]?.string {
            self.source = .path(path, source?["checksum"]?.string.flatMap { try? Checksum.parse($0).get() })
        } else if let debian = source?["debian"], let suite = debian["suite"]?.string {
            self.source = .debian(
                DebianSource(
                    suite: suite, variant: debian["variant"]?.string ?? "apt",
                    components: debian["components"]?.list?.compactMap(\.string) ?? ["main"],
                    packages: (debian["packages"]?.list ?? []).compactMap(\.string)))
        } else if let image = source?["image"]?.string {
            self.source = .image(image)
        } else {
            self.source = .scratch
        }
        bootScript = v["bootScript"]?.string
        preseedScript = v["preseedScript"]?.string
        scripts = (v["scripts"]?.list ?? []).map { s in
            Script(
                name: s["name"]?.string ?? "",
                path: s["path"]?.string ?? "",
                phase: Phase(rawValue: s["phase"]?.string ?? "") ?? .provision,
                interpreter: s["type"]?.string ?? "sh",
                timeout: s["timeout"]?.string.flatMap { try? SpecDuration.parse($0).get() }
                    ?? SpecDuration(seconds: 600),
                network: s["network"]?.bool ?? false,
                env: (s["env"]?.object ?? [:]).compactMapValues(\.string),
                secretEnv: (s["secretEnv"]?.object ?? [:]).compactMapValues { SecretReference($0) })
        }
        sshUsername = v["sshUsername"]?.string
        sshPassword = SecretReference(v["sshPassword"])
        isCloudInit = v["isCloudInit"]?.bool ?? false
        vmToolsInstalled = v["vmToolsInstalled"]?.bool ?? false
        diskSize = v["disk"]?["size"]?.string.flatMap { try? IECSize.parse($0).get() } ?? IECSize(bytes: 1 << 30)
        filesystem = v["disk"]?["filesystem"]?.string ?? "ext4"
        diskLabel = v["disk"]?["label"]?.string ?? "kiln-root"
        diskBoot = v["disk"]?["boot"]?.string.flatMap(DiskBoot.init(rawValue:))
        kernelCommandLine = v["disk"]?["kernelCommandLine"]?.string
        provisioner = Provisioner(rawValue: v["provisioner"]?.string ?? "") ?? .chroot
        sshTimeout = v["sshTimeout"]?.string.flatMap { try? SpecDuration.parse($0).get() } ?? SpecDuration(seconds: 300)
        verifyBoot = v["verify"]?["boot"]?.bool ?? true
        verifyConsoleContains = v["verify"]?["consoleContains"]?.string
        verifyTimeout =
            v["verify"]?["timeout"]?.string.flatMap { try? SpecDuration.parse($0).get() } ?? SpecDuration(seconds: 600)
        verifyReproducible = v["run"]?["verifyReproducible"]?.bool ?? false
        buildOutputName = v["buildOutputName"]?.string
        conversionFormats = (v["conversionFormats"]?.list ?? []).compactMap(\.string)
        compress = v["compress"]?.string ?? "none"
        keepResults = v["keepResults"]?.int ?? 0
        runPolicy = RunPolicy(rawValue: v["run"]?["policy"]?.string ?? "") ?? .onChange
        runToken = v["run"]?["token"]?.string
        suspend = v["suspend"]?.bool ?? false
        config = v["config"] ?? .object([:])
        placement = Placement(spec: v["placement"])
    }

    /// Every script in the order an execution runs them: `bootScript`, `preseedScript`, then `scripts` by phase
    /// (preProvision, provision, postProvision) and, within a phase, as written.
    public var orderedScripts: [Script] {
        var out: [Script] = []
        if let bootScript {
            out.append(
                Script(
                    name: "bootScript", path: bootScript, phase: .preProvision, interpreter: "sh",
                    timeout: SpecDuration(seconds: 600), network: false, env: [:], secretEnv: [:]))
        }
        if let preseedScript {
            out.append(
                Script(
                    name: "preseedScript", path: preseedScript, phase: .preProvision, interpreter: "sh",
                    timeout: SpecDuration(seconds: 600), network: false, env: [:], secretEnv: [:]))
        }
        let sorted = scripts.enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }
        return out + sorted.map(\.element)
    }

    /// How the disk boots: `disk.boot` when given, else `hybrid` for a root filesystem that holds a kernel
    /// (`/boot/vmlinuz-*`) and `none` for one that does not.
    public func resolvedBoot(hasKernel: Bool) -> DiskBoot {
        diskBoot ?? (hasKernel ? .hybrid : .none)
    }

    /// The Image a layered build starts from.
    public var baseImage: String? {
        if case .image(let name) = source { return name }
        return nil
    }

    /// Files in the repository that a build reads: scripts and an in-repository source.
    public var referencedPaths: [String] {
        var paths = orderedScripts.map(\.path)
        if case .path(let p, _) = source { paths.append(p) }
        return paths
    }

    /// The formats an execution produces: always raw, then each conversion format once.
    public var outputFormats: [String] {
        var out = ["raw"]
        for f in conversionFormats where !out.contains(f) { out.append(f) }
        return out
    }

    /// Spec fields that do not change what a build produces: changing them never starts a new execution.
    public static let nonBuildFields: Set<String> = [
        "description", "group", "cloud", "config", "keepResults", "run", "suspend", "placement"
    ]
}
