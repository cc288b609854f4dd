import ArgumentParser

/// `kiln-bench`: measurements that are not unit tests, run in release builds; `kiln-bench all` writes them to
/// BENCHMARKS.md and benchmarks.json.
@main
struct KilnBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln-bench",
        abstract: "Measure Kiln's hot paths against reference tools on this machine.",
        subcommands: [AllBenchmark.self] + AllBenchmark.benchmarks.map { $0 as any ParsableCommand.Type }
            + [GrowthPoint.self, BareServer.self]
    )
}
