import ArgumentParser

/// Where the specs are: a repository and the spec root inside it.
struct RepoOptions: ParsableArguments {
    @Option(name: .long, help: "The repository: a folder, a work tree, a bare repository or (plan, sync, serve) a URL.")
    var repo: String = "."

    @Option(name: .long, help: "The spec root inside the repository; script paths in specs are relative to it.")
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

/// A format option shared by commands that print results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, table, yaml
}
