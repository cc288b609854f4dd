import ArgumentParser

/// A benchmark subcommand that measures once and returns its figures: its own `run()` prints them, and
/// `kiln-bench all` writes them to BENCHMARKS.md and benchmarks.json.
protocol FigureBenchmark: AsyncParsableCommand {
    /// The subcommand's options for `kiln-bench all --quick`: fewer runs and smaller sizes, a smoke test.
    static var quickArguments: [String] { get }

    /// Runs the benchmark (printing its progress) and returns what it measured.
    mutating func figures() async throws -> [Figure]
}

extension FigureBenchmark {
    static var name: String { configuration.commandName ?? String(describing: Self.self) }
}
