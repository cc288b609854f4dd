import Foundation
import KilnBuilder
import KilnCatalog
import KilnReconciler
import KilnSpec
import Logging

/// Runs each execution in its own `kiln internal-execute` process, in its own session: the execution outlives the
/// Kiln process that started it (a `kiln sync` that exits, a `kiln serve` that restarts) and is re-attached through
/// its lock, or found dead and marked interrupted.
public struct ProcessBuildDriver: BuildDriver {
    public struct Settings: Sendable {
        /// The `kiln` executable to run (normally this very process's executable).
        public var executable: String
        public var repository: String
        public var branch: String?
        public var secretsDirectory: String?
        /// `--debian-mirror`: where `source.debian` builds fetch from; nil: the host's apt sources.
        public var debianMirror: String?
        /// `--catalog …` for the worker when the catalog is not the data dir's SQLite file.
        public var catalogArguments: [String]
        /// A fleet's `--artifact-store`, where workers put finished outputs.
        public var artifactStore: String?

        public init(
            executable: String, repository: String, branch: String?, secretsDirectory: String?,
            debianMirror: String? = nil,
            catalogArguments: [String] = [], artifactStore: String? = nil
        ) {
            self.catalogArguments = catalogArguments
            self.artifactStore = artifactStore
            self.debianMirror = debianMirror
            self.executable = executable
            self.repository = repository
            self.branch = branch
            self.secretsDirectory = secretsDirectory
        }
    }

    let paths: DataPaths
    let catalog: any Catalog
    let settings: Settings
    let logger: Logger

    public init(
        paths: DataPaths, catalog: any Catalog, settings: Settings, logger: Logger = Logger(label: "kiln.build")
    ) {
        self.paths = paths
        self.catalog = catalog
        self.settings = settings
        self.logger = logger
    }

    public func start(_ execution: ExecutionRecord) async throws -> WorkerProcess? {
        try await spawn(execution, extra: [])
    }

    /// Starts the worker of a fleet's execution under this host's claim of its work row (``FleetBuildDriver``): it
    /// renews the claim for `lease` while it builds and records the outcome under it.
    public func startClaimed(
        _ execution: ExecutionRecord, claim: WorkClaim, lease: Duration
    ) async throws -> WorkerProcess? {
        let (seconds, attoseconds) = lease.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return try await spawn(
            execution,
            extra: [
                "--work", String(claim.workId), "--work-attempt", String(claim.attempt), "--host-name", claim.host,
                "--lease", "\(milliseconds)ms"
            ])
    }

    private func spawn(_ execution: ExecutionRecord, extra: [String]) async throws -> WorkerProcess? {
        guard let id = execution.id else { throw ProcessBuildError.notRecorded }
        try FileManager.default.createDirectory(atPath: paths.work, withIntermediateDirectories: true)
        let output = ExecutionLock.outputPath(paths, id)
        var arguments = [
            "internal-execute", "--data-dir", paths.root, "--execution", String(id),
            "--repo", settings.repository, "--path", execution.specRoot
        ]
        if let branch = settings.branch { arguments += ["--branch", branch] }
        if let secrets = settings.secretsDirectory { arguments += ["--secrets-dir", secrets] }
        if let mirror = settings.debianMirror { arguments += ["--debian-mirror", mirror] }
        if let store = settings.artifactStore { arguments += ["--artifact-store", store] }
        arguments += settings.catalogArguments + extra
        let pid = try Spawn.detached(settings.executable, arguments, output: output)
        // Wait until the worker holds its lock (or is gone): after that, `isRunning` tells the truth.
        for _ in 0..<500 {
            if ExecutionLock.isHeld(paths, id) { break }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                if let current = try await catalog.execution(id: id), current.status.isFinished { break }
                throw ProcessBuildError.workerFailed(String(said.suffix(800)))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return ProcessIdentity.current(pid)
    }

    public func cancel(_ execution: ExecutionRecord) async {
        guard let id = execution.id else { return }
        let current = (try? await catalog.execution(id: id)) ?? execution
        guard let pid = current.pid, let start = current.pidStartTime,
            ProcessIdentity.isAlive(WorkerProcess(pid: pid, startTime: start))
        else { return }
        kill(pid, SIGTERM)
        for _ in 0..<600 where ExecutionLock.isHeld(paths, id) {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if ExecutionLock.isHeld(paths, id) {
            logger.warning("execution \(id) did not stop within a minute; killing its process group")
            kill(-pid, SIGKILL)
        }
    }

    public func isRunning(_ execution: ExecutionRecord) async -> Bool {
        guard let id = execution.id else { return false }
        return ExecutionLock.isHeld(paths, id)
    }

    public func toolsFingerprint() async -> String {
        let fingerprint = await QemuImageBuilder().toolsFingerprint(debianMirror: settings.debianMirror)
        if fingerprint == "unknown-tools" { logger.warning("cannot read tool versions") }
        return fingerprint
    }
}

enum ProcessBuildError: Error, CustomStringConvertible {
    case notRecorded
    case workerFailed(String)
    case spawn(String, Int32)

    var description: String {
        switch self {
        case .notRecorded: "the execution is not recorded in the catalog"
        case .workerFailed(let output): "the build worker exited at once: \(output)"
        case .spawn(let path, let code): "cannot start \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Starts a process in its own session, detached from Kiln's, with stdin from /dev/null and output to a file.
enum Spawn {
    static func detached(_ executable: String, _ arguments: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26+; not imported into Swift): the worker gets its own session.
        posix_spawnattr_setflags(&attributes, Int16(0x80))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else { throw ProcessBuildError.spawn(executable, code) }
        return pid
    }
}
