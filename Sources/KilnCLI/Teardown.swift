import ArgumentParser
import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import Logging

/// `kiln teardown`: stops what a data dir runs (VMs, build workers), by recorded pid and start time, and with
/// `--purge` deletes the data dir. Refused while a `kiln serve` (or sync) owns the data dir.
struct Teardown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Stop every VM and build worker of a data dir (by recorded pid, never by name); --purge also deletes it.",
        discussion: """
            Each qemu is told to quit through its monitor, then killed by its recorded pid if it does not. VMs are
            recorded as powered off, so the next kiln sync or serve starts what git asks for. Refused while another \
            Kiln owns the data dir: stop it first.
            """)

    @Option(name: .customLong("data-dir"), help: "Kiln's data dir.")
    var dataDir: String = "./.kiln"

    @OptionGroup var catalogOptions: CatalogOptions

    @Flag(help: "Delete the data dir afterwards (catalog, images, VM disks, logs).")
    var purge = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        Logs.bootstrap(logLevel)
        let paths = DataPaths(root: dataDir)
        // On a shared catalog the data dir holds no catalog file; it holds what this host runs.
        let marker = catalogOptions.isDataDirCatalog ? paths.catalog : paths.root
        guard FileManager.default.fileExists(atPath: marker) else {
            throw ValidationError(
                catalogOptions.isDataDirCatalog
                    ? "\(paths.root) is not a Kiln data dir (no catalog.sqlite there)"
                    : "--data-dir \(paths.root) does not exist")
        }
        let lock = try DataDirLock(paths: paths)
        let catalog = try await catalogOptions.open(paths)
        let builds = ProcessBuildDriver(
            paths: paths, catalog: catalog,
            settings: .init(
                executable: Wiring.executable, repository: "", branch: nil, secretsDirectory: nil))
        let report = try await DataDirTeardown(paths: paths, catalog: catalog, builds: builds).run(purge: purge)
        withExtendedLifetime(lock) {}
        var lines = report.stoppedVMs.map { "stopped VirtualMachine \($0)" }
        lines += report.stoppedExecutions.map { "stopped the build worker of execution \($0)" }
        lines += report.network
        if lines.isEmpty { lines.append("nothing was running") }
        if report.purged { lines.append("deleted \(paths.root)") }
        Output.out(lines.joined(separator: "\n"))
    }
}
