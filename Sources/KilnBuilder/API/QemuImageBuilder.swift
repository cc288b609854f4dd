import Foundation
import KilnSpec
import Logging

/// Kiln's `qemu` image builder: turns one ImageBuild execution into verified disk images in every requested format.
///
/// An execution fetches or reads its source, unpacks it, runs the spec's scripts in a sandbox on the root
/// filesystem, makes an ext4 raw disk, converts it with `qemu-img`, verifies every output, and moves the outputs into
/// the artifact folder. Whatever happens, the work folder is removed; on failure or cancellation nothing is left in
/// the artifact folder either. Tools are found on `searchPath`.
public struct QemuImageBuilder: Sendable {
    public var searchPath: String
    /// Diagnostics for the operator (a work folder that could not be removed); the execution's own story goes to
    /// its log file.
    public var logger: Logger

    public init(
        searchPath: String = QemuImageBuilder.searchPath(from: ProcessInfo.processInfo.environment["PATH"]),
        logger: Logger = Logger(label: "kiln.builder")
    ) {
        self.searchPath = searchPath
        self.logger = logger
    }

    /// `PATH` with the sbin folders appended when missing: Debian installs `mkfs.ext4` in `/usr/sbin`, which is not
    /// on an ordinary user's `PATH`, while every folder already on `PATH` keeps its precedence.
    public static func searchPath(from path: String?) -> String {
        var folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for folder in ["/usr/local/sbin", "/usr/sbin", "/sbin"] where !folders.contains(folder) {
            folders.append(folder)
        }
        return folders.joined(separator: ":")
    }

    private var runner: ProcessRunner {
        ProcessRunner(environment: ["PATH": searchPath, "LC_ALL": "C"])
    }

    /// Runs one execution. `progress` is called as phases start, from the calling task.
    public func build(
        _ request: BuildRequest, progress: @escaping @Sendable (BuildProgress) -> Void
    ) async throws(BuildError) -> [BuiltImage] {
        if request.spec.verifyReproducible {
            try Self.checkSpec(request.spec)
            return try await buildTwiceAndCompare(request, progress: progress)
        }
        return try await buildOnce(request, progress: progress)
    }

    func buildOnce(
        _ request: BuildRequest, progress: @escaping @Sendable (BuildProgress) -> Void
    ) async throws(BuildError) -> [BuiltImage] {
        let formats = try request.spec.outputFormats.map { (name) throws(BuildError) in try ImageFormat(spec: name) }
        let compression = try Compression(spec: request.spec.compress)
        try Self.checkSpec(request.spec)
        let tools = try ToolPaths(
            locator: ToolLocator(searchPath: searchPath),
            needsSandbox: request.spec.provisioner == .chroot && !request.spec.orderedScripts.isEmpty,
            compression: compression)
        let log = try BuildLog(path: request.logPath)
        await log.write(
            "kiln",
            "execution \(request.buildNumber) of \(request.buildName): \(request.outputName), formats \(formats.map(\.rawValue).joined(separator: ", "))"
        )
        let plan = ProgressPlan(
            scripts: request.spec.orderedScripts.map(\.name), formats: formats, compression: compression,
            verifiesBoot: request.spec.verifyBoot && request.spec.diskBoot != DiskBoot.none,
            overSSH: request.spec.provisioner == .ssh)
        var context = BuildContext(
            request: request, tools: tools, runner: runner, log: log, formats: formats, compression: compression,
            progress: ProgressReporter(plan: plan, sink: progress))
        let steps: [any BuildStep] = [
            WorkspaceStep(), SourceStep(), DebianStep(), BaseImageStep(), UnpackStep(), ProvisionStep(),
            SSHAccessStep(), DiskStep(),
            SSHProvisionStep(), EarlyChecksumStep(), BootVerifyStep(), ConvertStep(), VerifyStep(),
            PackageStep(), CompressStep(), ChecksumStep(), PublishStep()
        ]
        do throws(BuildError) {
            try await StepRunner.run(steps, context: &context)
        } catch {
            await log.write("kiln", "failed: \(error)")
            if FileSystem.exists(request.workDirectory) {
                logger.error("work folder left behind", metadata: ["path": "\(request.workDirectory)"])
            }
            throw error
        }
        await context.enter(.done)
        return context.images
    }

    /// The versions of `qemu-img`, `mkfs.ext4` and `bwrap`: part of an execution's reuse key, since another version
    /// may make other bytes from the same inputs.
    public func toolVersions() async throws(BuildError) -> [String: String] {
        let locator = ToolLocator(searchPath: searchPath)
        var versions: [String: String] = [:]
        for (tool, arguments) in [
            (Tool.qemuImg, QemuImgCommand.version), (.mkfsExt4, MkfsCommand.version), (.bwrap, ["--version"])
        ] {
            let outcome = try await runner.runChecked(try locator.locate(tool), arguments)
            versions[tool.rawValue] = outcome.tail.first { !$0.isEmpty } ?? ""
        }
        return versions
    }

    /// Every build's tools fingerprint, in one place for `kiln sync` and `kiln plan`: the tool versions and the
    /// Debian mirror (another mirror may hold other packages). "unknown-tools" when a version cannot be read.
    public func toolsFingerprint(debianMirror: String?) async -> String {
        guard let versions = try? await toolVersions() else { return "unknown-tools" }
        let mirror = debianMirror ?? DebianMirror.host() ?? "none"
        return (versions.keys.sorted().map { "\($0)=\(versions[$0]!)" } + ["debian-mirror=\(mirror)"]).joined(
            separator: ";")
    }

    /// Refuses, before any work, what the spec asks for and this builder cannot do.
    static func checkSpec(_ spec: ImageBuildSpec) throws(BuildError) {
        guard spec.type == "qemu" else {
            throw .unsupported("builder type \(spec.type) is not supported; Kiln ships qemu")
        }
        if spec.provisioner == .ssh, let problem = spec.sshUsername.flatMap(BuildVMAccess.usernameProblem) {
            throw .unsupported(problem)
        }
        guard spec.filesystem == "ext4" else {
            throw .unsupported("filesystem \(spec.filesystem) is not supported; use ext4")
        }
        if let problem = MkfsCommand.labelProblem(spec.diskLabel) { throw .unsupported(problem) }
        guard spec.diskSize.bytes >= 1 << 20, spec.diskSize.bytes % 1024 == 0 else {
            throw .unsupported("disk.size \(spec.diskSize) is too small or not whole KiB")
        }
        switch spec.source {
        case .url(_, let checksum), .path(_, let checksum?):
            if let problem = FileChecksum.problem(with: checksum) { throw .invalidChecksum(problem) }
        case .scratch, .path(_, nil):
            break
        case .debian, .image:
            break
        }
        for script in spec.orderedScripts { _ = try SandboxCommand.interpreterPath(script.interpreter) }
    }
}
