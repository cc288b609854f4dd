import KilnSpec

/// One execution of an `ImageBuild`: what to build, from which commit, and where everything goes.
///
/// The builder owns `workDirectory` for the length of the call and removes it at the end, whatever happens. Outputs
/// reach `artifactDirectory` only when every step succeeded; a failed or cancelled execution leaves nothing there.
public struct BuildRequest: Sendable {
    public var buildName: String
    public var buildNumber: Int
    public var spec: ImageBuildSpec
    /// `<buildOutputName ?? buildName>-<buildNumber>`: the name of every virtual image and of its files.
    public var outputName: String
    /// The commit being built. Scripts and an in-repository source are read through it, never from a work tree.
    public var files: any SpecFileReader
    /// Where outputs end: `<data-dir>/artifacts/<build>/<buildNumber>/`. Created when the build succeeds.
    public var artifactDirectory: String
    /// Scratch space for this execution, removed at the end. Should be on the same filesystem as `artifactDirectory`
    /// so outputs are renamed rather than copied.
    public var workDirectory: String
    /// Downloads kept by checksum, so a second build of the same source does not fetch it again.
    public var cacheDirectory: String
    /// The execution log: timestamped lines, each naming the script or phase that wrote it. Appended to.
    public var logPath: String
    /// Resolves the secret references of the spec at run time.
    public var secrets: SecretResolver
    /// Host paths scripts must never see (Kiln's data directory, its token, the secrets folder).
    public var hiddenPaths: [String]
    public var limits: BuildLimits
    /// Where identifiers on the disk (partition and filesystem UUIDs, hash seeds) come from: the build's inputs hash,
    /// so the same inputs make the same bytes.
    public var seed: String
    /// Every timestamp the tools write (`SOURCE_DATE_EPOCH`): the commit's time; at least 1.
    public var sourceDateEpoch: Int64
    /// The disk of the base Image, for a layered build (`source.image`).
    public var baseImage: BaseImage?
    /// The operator's Debian mirror (`--debian-mirror`); nil: the host's apt sources.
    public var debianMirror: String?
    /// The qemu accelerator for boots (`kvm` or `tcg`), chosen when first needed; it gets the image's kernel, which a
    /// probe may boot to see whether KVM really works.
    public var accelerator: @Sendable (_ kernel: String) async -> String

    public init(
        buildName: String, buildNumber: Int, spec: ImageBuildSpec, outputName: String, files: any SpecFileReader,
        artifactDirectory: String, workDirectory: String, cacheDirectory: String, logPath: String,
        secrets: SecretResolver, hiddenPaths: [String], limits: BuildLimits = BuildLimits(), seed: String = "",
        sourceDateEpoch: Int64 = 0, debianMirror: String? = nil, baseImage: BaseImage? = nil,
        accelerator: @escaping @Sendable (_ kernel: String) async -> String = { _ in "tcg" }
    ) {
        self.seed = seed.isEmpty ? "\(buildName)" : seed
        // e2fsprogs reads E2FSPROGS_FAKE_TIME=0 as unset (and stamps the wall clock): never hand it 0.
        self.sourceDateEpoch = max(1, sourceDateEpoch)
        self.debianMirror = debianMirror
        self.baseImage = baseImage
        self.accelerator = accelerator
        self.buildName = buildName
        self.buildNumber = buildNumber
        self.spec = spec
        self.outputName = outputName
        self.files = files
        self.artifactDirectory = artifactDirectory
        self.workDirectory = workDirectory
        self.cacheDirectory = cacheDirectory
        self.logPath = logPath
        self.secrets = secrets
        self.hiddenPaths = hiddenPaths
        self.limits = limits
    }
}
