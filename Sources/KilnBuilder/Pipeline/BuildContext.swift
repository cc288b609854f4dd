import KilnSpec

/// The state build steps share, typed: each field is filled by one step and read by the steps after it.
struct BuildContext: Sendable {
    let request: BuildRequest
    let tools: ToolPaths
    let runner: ProcessRunner
    let log: BuildLog
    /// The output formats, `raw` first.
    let formats: [ImageFormat]
    let compression: Compression
    var progress: ProgressReporter

    /// Set by ``WorkspaceStep``.
    var workspace: Workspace?
    /// The archive to unpack (in the cache or the workspace); nil for `scratch`. Set by ``SourceStep``.
    var sourceArchive: String?
    /// A layer over SSH whose disk is a copy of its base's with the root filesystem in place. Set by
    /// ``BaseImageStep``; ``DiskStep`` makes the disk from it.
    var inPlaceRoot: InPlaceRoot?
    /// `provisioner: ssh`: how Kiln reaches the build VM. Set by ``SSHAccessStep``.
    var buildVM: BuildVMCredentials?
    /// How the raw disk boots, and its partitions when it boots on its own. Set by ``DiskStep``.
    var boot: DiskBoot = .none
    var layout: DiskLayout?
    /// The kernel command line the disk's boot loaders pass (root by PARTUUID). Set by ``DiskStep`` for a disk that
    /// boots on its own.
    var kernelCommandLine: String?
    /// Each format's disk image, verified by ``VerifyStep`` (`ovf`: its streamOptimized vmdk). Set by ``DiskStep``
    /// (raw) and ``ConvertStep``.
    var disks: [StagedOutput] = []
    /// The files to register, one per format, after packaging and compression.
    var outputs: [StagedOutput] = []
    /// Digests started before ``ChecksumStep``, by path: the raw disk's, hashed beside boot verification and
    /// conversion once nothing writes it any more. Set by ``EarlyChecksumStep``.
    var earlyDigests: [String: Task<Result<String, BuildError>, Never>] = [:]
    /// Output checksums and sizes, by path. Set by ``ChecksumStep``.
    var checksums: [String: (sha256: String, size: Int64)] = [:]
    /// Files published beside the disks, not registered as virtual images (`packages.txt`).
    var artifacts: [String] = []
    /// Set by ``PublishStep``.
    var images: [BuiltImage] = []
    /// The removal of the root filesystem's copy, started by ``DiskStep`` once the disk holds it and run while the
    /// later steps (a build VM, a boot verification: mostly CPU) go on; ``WorkspaceStep`` waits for it.
    var rootfsRemoval: Task<Void, Never>?
    /// The build VM's kernel and initrd being decompressed (``BuildVMBootFiles``), started by ``DiskStep`` beside the
    /// disk's writing; ``SSHProvisionStep`` takes it, WorkspaceStep's cleanup waits for it.
    var buildVMBootFiles: Task<BuildVMBootFiles.Prepared, Never>?

    init(
        request: BuildRequest, tools: ToolPaths, runner: ProcessRunner, log: BuildLog, formats: [ImageFormat],
        compression: Compression, progress: ProgressReporter
    ) {
        self.request = request
        self.tools = tools
        self.runner = runner
        self.log = log
        self.formats = formats
        self.compression = compression
        self.progress = progress
    }

    /// The workspace; steps after ``WorkspaceStep`` may rely on it.
    var work: Workspace {
        guard let workspace else { preconditionFailure("WorkspaceStep runs first") }
        return workspace
    }

    mutating func enter(_ stage: BuildStage) async {
        progress.enter(stage)
        await log.write("kiln", stage.message)
    }
}
