import ArgumentParser
import Foundation
import KilnCatalog
import KilnPlanner
import KilnReconciler
import KilnSource
import KilnSpec

/// `kiln plan`: what a change (a pull request) would do, for reviewers and CI.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show what moving from one commit to another would do. Exit 0: no changes, 3: changes, 1: --to is invalid.",
        discussion: """
            --from defaults to the commit the catalog in --data-dir last applied (or nothing, when there is no catalog);
            --to defaults to the branch head. Revisions are commit ids (full or abbreviated), branches, tags or HEAD.
            Without a catalog at --from, --from's state is taken as fully applied (every build run once).
            """)

    @OptionGroup var source: SourceOptions

    @Option(help: "The base revision.")
    var from: String?

    @Option(help: "The revision to preview.")
    var to: String?

    @Option(help: "text, json or markdown.")
    var format: PlanFormat = .text

    @Option(help: "More deletions than this are flagged DESTRUCTIVE.")
    var maxDeletions: Int = 5

    @Option(help: "Deleting more than this fraction of a kind (two objects or more) is flagged DESTRUCTIVE.")
    var maxDeletionFraction: Double = 0.25

    enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    func run() async throws {
        let paths = DataPaths(root: source.dataDir)
        let git = try GitSource(
            GitSource.Configuration(
                repository: Wiring.absoluteRepository(source.repo.repo), branch: source.branch,
                specRoot: try source.repo.specRoot(), dataDirectory: paths.root,
                fetchTimeout: try source.fetch.duration()))
        let head = try await git.poll()
        let target: String = if let to { try await git.resolve(to) } else { head }

        var catalog: (any Catalog)?
        if source.catalog.isDataDirCatalog {
            if FileManager.default.fileExists(atPath: paths.catalog) {
                catalog = try? SQLiteCatalog(path: paths.catalog)
            }
        } else {
            // A shared catalog named on purpose: failing to reach it is an error, not an empty catalog.
            catalog = try await source.catalog.open(paths)
        }
        let applied = try await catalog?.sync().lastAppliedCommit
        let base: String? = if let from { try await git.resolve(from) } else { applied }

        let budget = DeletionBudget(maxObjects: maxDeletions, maxFraction: maxDeletionFraction)
        let preview: ChangePreview
        switch try await PlanPreview.make(
            git: git, base: base, target: target, catalog: catalog, applied: applied, budget: budget)
        {
        case .invalid(let revision, let errors):
            invalid(revision, errors)
            throw ExitCode.failure
        case .valid(let valid):
            preview = valid
        }
        switch format {
        case .text: Output.out(PreviewRenderer.text(preview, color: Output.colorful), terminator: "")
        case .json: Output.out(PreviewRenderer.json(preview).prettyJSON)
        case .markdown: Output.out(PreviewRenderer.markdown(preview), terminator: "")
        }
        if !preview.isEmpty { throw ExitCode(3) }
    }

    func invalid(_ revision: Revision, _ errors: [SpecError]) {
        switch format {
        case .text:
            for error in errors { Output.err(error.description) }
            Output.err(
                "invalid: \(revision.shortID) by \(revision.author) has \(errors.count) error\(errors.count == 1 ? "" : "s"); Kiln would refuse it"
            )
        case .json:
            Output.out(PlanPreview.invalidJSON(revision, errors).prettyJSON)
        case .markdown:
            var lines = [
                "### Kiln plan: `\(revision.shortID)` is invalid", "",
                "Kiln would refuse this commit: \(errors.count) error\(errors.count == 1 ? "" : "s").", "", "```"
            ]
            lines += errors.map(\.description)
            lines += ["```", ""]
            Output.out(lines.joined(separator: "\n"), terminator: "")
        }
    }
}
