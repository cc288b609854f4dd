import ArgumentParser
import Foundation
import KilnSource
import KilnSpec

/// `kiln validate`: checks every spec of a folder (or a commit) and reports every error with `file:line:column`.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the specs of a folder, as a pre-commit check; exit 1 with every error when they are invalid.")

    @OptionGroup var repo: RepoOptions
    @OptionGroup var fetch: FetchOptions

    @Option(help: "text or json.")
    var format: ValidateFormat = .text

    @Option(help: "Check a commit of the repository (an id, branch, tag or HEAD) instead of the folder on disk.")
    var rev: String?

    enum ValidateFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() async throws {
        let result: Result<Snapshot, SnapshotAssembler.Failure>
        if let rev {
            let git = try GitSource(
                GitSource.Configuration(
                    repository: Wiring.absoluteRepository(repo.repo),
                    specRoot: try repo.specRoot(),
                    dataDirectory: FileManager.default.temporaryDirectory.path,
                    fetchTimeout: try fetch.duration()))
            if case .remote = git.location { _ = try await git.poll() }
            result = try await git.load(commit: try await git.resolve(rev)).result
        } else {
            result = FolderSource(repository: repo.repo, specRoot: try repo.specRoot()).load()
        }
        report(result, format: format)
        if case .failure = result { throw ExitCode.failure }
    }
}

/// Prints the outcome of loading a spec root.
func report(_ result: Result<Snapshot, SnapshotAssembler.Failure>, format: Validate.ValidateFormat) {
    switch (result, format) {
    case (.success(let snapshot), .text):
        let counts = Kind.allCases.map { kind in "\(snapshot.objects(of: kind).count) \(kind.rawValue)" }
        Output.out("valid: \(snapshot.objects.count) objects (\(counts.joined(separator: ", ")))")
    case (.failure(let failure), .text):
        for error in failure.errors { Output.err(error.description) }
        let files = Set(failure.errors.map(\.file)).count
        Output.err(
            "invalid: \(failure.errors.count) error\(failure.errors.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s")"
        )
    case (.success(let snapshot), .json):
        let objects = snapshot.sortedObjects.map { o in
            SpecValue.object([
                "kind": .string(o.key.kind.rawValue), "name": .string(o.name), "file": .string(o.file),
                "line": .int(o.line), "specHash": .string(o.specHash)
            ])
        }
        Output.out(SpecValue.object(["valid": .bool(true), "errors": .list([]), "objects": .list(objects)]).prettyJSON)
    case (.failure(let failure), .json):
        let errors = failure.errors.map { e in
            SpecValue.object([
                "file": .string(e.file), "line": .int(e.line), "column": .int(e.column),
                "path": .string(e.path), "message": .string(e.message)
            ])
        }
        Output.out(SpecValue.object(["valid": .bool(false), "errors": .list(errors), "objects": .list([])]).prettyJSON)
    }
}
