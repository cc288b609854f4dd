import ArgumentParser
import Foundation
import KilnCatalog
import KilnDrivers
import KilnSpec
import Logging

/// `kiln internal-execute`: runs one recorded build execution. Started by Kiln itself, never by hand.
struct InternalExecute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "internal-execute", abstract: "Run one recorded build execution (used by Kiln itself).",
        shouldDisplay: false)

    @Option(name: .customLong("data-dir")) var dataDir: String
    @Option var execution: Int64
    @Option var repo: String
    @Option var branch: String?
    @Option var path: String = ""
    @Option(name: .customLong("secrets-dir")) var secretsDir: String?
    @Option(name: .customLong("debian-mirror")) var debianMirror: String?
    @OptionGroup var catalog: CatalogOptions
    /// A fleet's execution: the work row this worker runs under, the claim's attempt, this host and the lease.
    @Option var work: Int64?
    @Option(name: .customLong("work-attempt")) var workAttempt: Int64?
    @Option(name: .customLong("host-name")) var hostName: String?
    @Option var lease: SpecDuration?
    @Option(name: .customLong("artifact-store")) var artifactStore: String?

    func validate() throws {
        let given = [work != nil, workAttempt != nil, hostName != nil, lease != nil]
        if given.contains(true), given.contains(false) {
            throw ValidationError("--work, --work-attempt, --host-name and --lease go together")
        }
    }

    func run() async throws {
        Logs.bootstrap(.info)
        var claimed: (claim: WorkClaim, lease: Duration)?
        if let work, let workAttempt, let hostName, let lease {
            claimed = (WorkClaim(workId: work, host: hostName, attempt: workAttempt), lease.duration)
        }
        let code = await ExecutionWorker.run(
            .init(
                dataDirectory: dataDir, executionId: execution, repository: repo, branch: branch, specRoot: path,
                secretsDirectory: secretsDir, debianMirror: debianMirror, work: claimed, artifactStore: artifactStore),
            logger: Logger(label: "kiln.worker"), open: { [catalog] paths in try await catalog.open(paths) })
        if code != 0 { throw ExitCode(code) }
    }
}
