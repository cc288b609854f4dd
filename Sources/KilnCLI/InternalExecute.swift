import ArgumentParser
import Foundation
import KilnDrivers
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

    func run() async throws {
        Logs.bootstrap(.info)
        let code = await ExecutionWorker.run(
            .init(
                dataDirectory: dataDir, executionId: execution, repository: repo, branch: branch, specRoot: path,
                secretsDirectory: secretsDir, debianMirror: debianMirror),
            logger: Logger(label: "kiln.worker"), open: { [catalog] paths in try await catalog.open(paths) })
        if code != 0 { throw ExitCode(code) }
    }
}
