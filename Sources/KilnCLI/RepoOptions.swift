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

    @OptionGroup var fetch: FetchOptions
}

/// How long a fetch of a remote repository may take: a remote that hangs or stalls must never hold a pass.
struct FetchOptions: ParsableArguments {
    /// The largest `--fetch-timeout`: a day.
    static let maxSeconds = 86_400.0

    @Option(
        name: .customLong("fetch-timeout"),
        help: ArgumentHelp(
            "How long one fetch of a remote repository may take before it is stopped and reported in the sync status: seconds (120), or 30s, 2m.",
            valueName: "seconds"))
    var fetchTimeout: String = "120"

    func validate() throws { _ = try duration() }

    /// `--fetch-timeout` as a duration, or a usage error naming the flag.
    func duration() throws -> Duration {
        let text = fetchTimeout.trimmingCharacters(in: .whitespaces)
        let seconds: Double
        if let number = Double(text), number.isFinite {
            seconds = number
        } else if case .success(let value) = SpecDuration.parse(text) {
            seconds = value.seconds
        } else {
            throw ValidationError(
                "--fetch-timeout must be a number of seconds (such as 120 or 2.5) or a duration (30s, 2m); got \(fetchTimeout)"
            )
        }
        guard seconds > 0, seconds <= Self.maxSeconds else {
            throw ValidationError(
                "--fetch-timeout must be above 0 and at most \(Int(Self.maxSeconds)) seconds (a day); got \(fetchTimeout)"
            )
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }
}

/// Durations on the command line: 30s, 10m, 1h30m.
extension SpecDuration: ExpressibleByArgument {
    public init?(argument: String) {
        guard case .success(let value) = SpecDuration.parse(argument) else { return nil }
        self = value
    }
}
