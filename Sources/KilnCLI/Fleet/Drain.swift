import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler

/// `kiln drain HOST`: an operator takes a fleet host out of service (for maintenance, or before removing it). The
/// drain is kept in the shared catalog, so it holds whoever leads and survives the host's restarts and heartbeats.
struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drain a fleet host: it claims no new work (kiln drain HOST --undo takes it back).",
        discussion: """
            HOST is the host's --host-name, as kiln get hosts shows it. The catalog is the fleet's \
            (--catalog postgres://…), or a data dir's own.
            """)

    @Argument(help: "The host's name (its kiln serve --host-name).")
    var host: String

    @Flag(help: "Take the host back: it claims work again.")
    var undo = false

    @Option(name: .customLong("data-dir"), help: "Kiln's data dir (for its own catalog, without --catalog).")
    var dataDir: String = "./.kiln"

    @OptionGroup var catalogOptions: CatalogOptions

    struct UnknownHost: Error, CustomStringConvertible {
        var host: String
        var known: [String]
        var description: String {
            "no host named \(host) in the fleet (hosts: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        }
    }

    func run() async throws {
        let paths = DataPaths(root: dataDir)
        guard !catalogOptions.isDataDirCatalog || FileManager.default.fileExists(atPath: paths.catalog) else {
            throw ValidationError("no catalog in \(paths.root) (give --data-dir or --catalog)")
        }
        let catalog = try await catalogOptions.open(paths)
        guard let record = try await catalog.cordon(host: host, !undo) else {
            throw UnknownHost(host: host, known: try await catalog.hosts().hosts.map(\.name))
        }
        Output.out(
            record.cordoned
                ? "drained host \(record.name): it claims no new work (kiln drain \(record.name) --undo takes it back)"
                : record.cordonedInGit
                    ? "host \(record.name) is no longer drained, but hosts.yaml in git still cordons it: it takes no work until git drops it"
                    : "host \(record.name) takes work again")
    }
}
