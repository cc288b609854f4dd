import ArgumentParser

/// `kiln-bench`: measurements that are not unit tests, run in release builds and reported in notes.
@main
struct KilnBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln-bench",
        abstract: "Measure Kiln's hot paths against reference tools on this machine.",
        subcommands: [LoadBenchmark.self, ParseBenchmark.self, ReconcileBenchmark.self, CatalogBenchmark.self, BuildBenchmark.self,
                      ChecksumBenchmark.self, APIBenchmark.self, ImageBenchmark.self, VMDriftBenchmark.self, SSHLayerBenchmark.self,
                      DebianImageBenchmark.self]
    )
}
