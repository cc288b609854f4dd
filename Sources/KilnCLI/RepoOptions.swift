import ArgumentParser
import KilnSpec

/// Where the specs are: a repository and the spec root inside it.
struct RepoOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The repository: a folder, a work tree, a bare repository, or (plan, sync, serve) a file://, https:// or ssh:// URL."
    )
    var repo: String = "."

    @Option(name: .long, help: "The spec root inside the repository; paths in specs are relative to it.")
    var path: String = ""

    /// The spec root without leading, trailing or doubled slashes, or a usage error.
    func specRoot() throws -> String {
        if path.isEmpty || path == "." || path == "./" { return "" }
        let parts = path.split(separator: "/").filter { $0 != "." }
        if path.hasPrefix("/") || parts.contains("..") {
            throw ValidationError("--path must be a folder inside the repository, without '..' (got \(path))")
        }
        return parts.joined(separator: "/")
    }
}

/// A repository followed on a branch, with Kiln's data dir.
struct SourceOptions: ParsableArguments {
    @OptionGroup var repo: RepoOptions

    @Option(help: "The branch to follow (default: the repository's HEAD, or the remote's default branch).")
    var branch: String?

    @Option(name: .customLong("data-dir"), help: "Kiln's data dir: catalog, status files, artifacts, mirrors.")
    var dataDir: String = "./.kiln"

    @OptionGroup var catalog: CatalogOptions
}

/// Durations on the command line: 30s, 10m, 1h30m.
extension SpecDuration: ExpressibleByArgument {
    public init?(argument: String) {
        guard case .success(let value) = SpecDuration.parse(argument) else { return nil }
        self = value
    }
}
